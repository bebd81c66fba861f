"""torchvision side of bench/data.mjs: the same input-pipeline work done the
usual PyTorch way, timed on the same machine; each mode prints one JSON line.

  prepare SRC OUT WORKERS SIZE
      Pool(WORKERS): PIL open -> convert('RGB') -> Resize(SIZE) -> CenterCrop(SIZE)
      -> numpy uint8; the parent appends each image's bytes to OUT and fsyncs it
      (prepareDataset writes its shards atomically, with an fsync, too).
  jpeg-folder PREPARED OUT
      Untimed setup: writes the records of a prepared dataset's JPEG train shards
      as an ImageFolder (OUT/<class>/<n>.jpg), byte for byte.
  loader SOURCE PATH PREPARED WORKERS BATCH CROP EPOCHS WARMUP
      DataLoader(num_workers=WORKERS, batch_size=BATCH, shuffle, drop_last,
      persistent_workers) with RandomCrop + RandomHorizontalFlip + ToTensor +
      Lighting(0.1) + Normalize, reading SOURCE = 'shards' (the raw shard files at
      PATH, parsed here) or 'folder' (an ImageFolder of JPEGs at PATH). PREPARED is
      the prepared dataset whose stats.json gives the mean and the RGB PCA.
  versions
"""
import json
import os
import sys
import time


def versions():
    import numpy
    import PIL
    import torch
    import torchvision
    from PIL import features
    return {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pil": PIL.__version__,
        "numpy": numpy.__version__,
        "libjpeg": f"{features.version('jpg')}{' (turbo)' if features.check_feature('libjpeg_turbo') else ''}",
        "python": sys.version.split()[0],
    }


def list_class_folders(root):
    """Sorted class folders, sorted files within (as prepareDataset and ImageFolder list them)."""
    files = []
    for label, name in enumerate(sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))):
        folder = os.path.join(root, name)
        files += [(os.path.join(folder, f), label) for f in sorted(os.listdir(folder)) if not f.startswith(".")]
    return files


# --- prepare ---------------------------------------------------------------------------------------

_prepare_transform = None


def _init_prepare(size):
    global _prepare_transform
    from torchvision import transforms
    _prepare_transform = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size)])


def _prepare_one(path):
    import numpy as np
    from PIL import Image
    with open(path, "rb") as f:
        image = Image.open(f).convert("RGB")
    return np.asarray(_prepare_transform(image), dtype=np.uint8).tobytes()


def prepare(src, out, workers, size):
    from multiprocessing import Pool
    import numpy  # noqa: F401  imported before the timer and the fork, as at the top of a script
    import torchvision  # noqa: F401
    from PIL import Image  # noqa: F401
    start = time.perf_counter()
    cpu_start = os.times()
    files = [f for f, _ in list_class_folders(src)]
    written = 0
    with Pool(workers, initializer=_init_prepare, initargs=(size,)) as pool, open(out, "wb") as sink:
        for data in pool.imap(_prepare_one, files, chunksize=8):
            if len(data) != size * size * 3:
                raise RuntimeError(f"unexpected output of {len(data)} bytes")
            sink.write(data)
            written += len(data)
        sink.flush()
        os.fsync(sink.fileno())
    seconds = time.perf_counter() - start
    t = os.times()  # the pool's processes have exited: their time is in children_*
    cpu = sum(getattr(t, f) - getattr(cpu_start, f) for f in ("user", "system", "children_user", "children_system"))
    return {"images": len(files), "seconds": seconds, "imagesPerSecond": len(files) / seconds, "bytes": written,
            "coresBusy": cpu / seconds, "cpuMsPerImage": 1000 * cpu / len(files)}


# --- shards (format: packages/data/src/shard-file.ts) ----------------------------------------------

def read_shard_header(path):
    with open(path, "rb") as f:
        prefix = f.read(12)
        if prefix[:8] != b"ALXSHRD1":
            raise RuntimeError(f"{path}: not a shard file")
        length = int.from_bytes(prefix[8:12], "little")
        header = json.loads(f.read(length))
    return header, 12 + length


def train_shards(prepared):
    with open(os.path.join(prepared, "index.json")) as f:
        index = json.load(f)
    return index, [os.path.join(prepared, s["file"]) for s in index["splits"]["train"]["shards"]]


def jpeg_folder(prepared, out):
    index, shards = train_shards(prepared)
    if index["encoding"] != "jpeg":
        raise RuntimeError(f"{prepared}: holds {index['encoding']} shards, not jpeg")
    for name in index["classes"]:
        os.makedirs(os.path.join(out, name), exist_ok=True)
    n = 0
    for path in shards:
        header, start = read_shard_header(path)
        with open(path, "rb") as f:
            for i in range(header["count"]):
                f.seek(start + header["offsets"][i])
                data = f.read(header["offsets"][i + 1] - header["offsets"][i])
                with open(os.path.join(out, index["classes"][header["labels"][i]], f"{n:06d}.jpg"), "wb") as g:
                    g.write(data)
                n += 1
    return {"images": n}


class ShardDataset:
    """The raw shards as a map-style Dataset: one positional read and np.frombuffer per image."""

    def __init__(self, shards, transform):
        self.transform = transform
        self.items = []  # (file index, absolute offset, label)
        self.paths = shards
        self.size = None
        for k, path in enumerate(shards):
            header, start = read_shard_header(path)
            if header["encoding"] != "raw":
                raise RuntimeError(f"{path}: {header['encoding']} shard, expected raw")
            self.size = header["size"]
            self.items += [(k, start + header["offsets"][i], header["labels"][i]) for i in range(header["count"])]
        self.fds = None

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        import numpy as np
        from PIL import Image
        if self.fds is None:  # opened in each worker process
            self.fds = [os.open(p, os.O_RDONLY) for p in self.paths]
        k, offset, label = self.items[i]
        n = self.size * self.size * 3
        pixels = np.frombuffer(os.pread(self.fds[k], n, offset), dtype=np.uint8).reshape(self.size, self.size, 3)
        return self.transform(Image.fromarray(pixels)), label


class Lighting(object):
    """Lighting noise (AlexNet-style PCA-based noise), as in the PyTorch ImageNet
    training recipes ported from fb.resnet.torch: eigvec's columns are the eigenvectors."""

    def __init__(self, alphastd, eigval, eigvec):
        self.alphastd = alphastd
        self.eigval = eigval
        self.eigvec = eigvec

    def __call__(self, img):
        if self.alphastd == 0:
            return img
        alpha = img.new().resize_(3).normal_(0, self.alphastd)
        rgb = self.eigvec.type_as(img).clone() \
            .mul(alpha.view(1, 3).expand(3, 3)) \
            .mul(self.eigval.view(1, 3).expand(3, 3)) \
            .sum(1).squeeze()
        return img.add(rgb.view(3, 1, 1).expand_as(img))


def loader(source, path, prepared, workers, batch, crop, epochs, warmup):
    import torch
    from torchvision import datasets, transforms
    torch.set_num_threads(1)
    with open(os.path.join(prepared, "stats.json")) as f:
        stats = json.load(f)
    # stats.json is on the 0-255 scale, ToTensor's output on 0-1. Our loader adds
    # sum_i p_i * alpha_i * lambda_i pixel levels; eigval / 255 gives the same shift here.
    eigval = torch.tensor(stats["eigenvalues"]) / 255
    eigvec = torch.tensor(stats["eigenvectors"]).t()  # rows are eigenvectors in stats.json
    mean = [m / 255 for m in stats["channelMean"]]
    std = [stats["covariance"][c][c] ** 0.5 / 255 for c in range(3)]
    transform = transforms.Compose([
        transforms.RandomCrop(crop),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        Lighting(0.1, eigval, eigvec),
        transforms.Normalize(mean, std),
    ])
    if source == "shards":
        dataset = ShardDataset(train_shards(path)[1], transform)
    else:
        dataset = datasets.ImageFolder(path, transform)
    torch.manual_seed(1)
    start = time.perf_counter()
    data = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers,
                                       drop_last=True, persistent_workers=workers > 0)
    images = 0
    warm_images = 0
    warm_start = None
    first_epoch = None
    shape = None
    for epoch in range(epochs):
        for k, (xs, ys) in enumerate(data):
            images += len(ys)
            shape = list(xs.shape)
            if warm_start is not None:
                warm_images += len(ys)
            elif epoch * len(data) + k + 1 == warmup:
                warm_start = time.perf_counter()
        if epoch == 0:
            first_epoch = time.perf_counter() - start
    end = time.perf_counter()
    del data
    return {
        "images": images,
        "batches": images // batch,
        "shape": shape,
        "seconds": end - start,
        "imagesPerSecond": warm_images / (end - warm_start) if warm_images else None,
        "withStartup": images / (end - start),
        "firstEpochSeconds": first_epoch,
    }


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "prepare":
        result = prepare(args[0], args[1], int(args[2]), int(args[3]))
    elif mode == "jpeg-folder":
        result = jpeg_folder(args[0], args[1])
    elif mode == "loader":
        result = loader(args[0], args[1], args[2], *(int(a) for a in args[3:]))
    elif mode == "versions":
        result = versions()
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))
