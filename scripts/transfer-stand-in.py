"""A stand-in for torchvision's pretrained AlexNet, for the fine-tuning walk-through in the README.

torchvision's ImageNet weights are a download this offline machine cannot make. This script makes
weights that have learned something, the way they were made: torchvision's AlexNet class (at 1/4 of
its widths, 5 classes) trained in PyTorch with torchvision's preprocessing (resize 256, random 224
crop and mirror, ImageNet mean/std), here on Fashion-MNIST's first five classes, then exported with
torch.onnx.export as the README exports torchvision.models.alexnet(weights=...).

It writes into OUT:
  pretrained.onnx, pretrained-classes.txt  the network and its five class names
  tree/train/<class>/*.png                 the new task: the other five classes, --per-class images each
  tree/val/<class>/*.png                   held out: 200 images per class from Fashion-MNIST's test set
  pretrain.json                            torch's held-out accuracy on the five pretraining classes
Run: /usr/bin/python3 scripts/transfer-stand-in.py OUT [--per-class 20] [--epochs 2]
(Debian's python3-torch, python3-torchvision; Fashion-MNIST from Debian's dataset-fashion-mnist.)
"""
import gzip
import json
import os
import sys
import time

import numpy
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image

FASHION = "/usr/share/datasets/fashion-mnist"
NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
MEAN, STD = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def flag(name, default):
    if name not in sys.argv:
        return default
    at = sys.argv.index(name) + 1
    if at >= len(sys.argv) or not sys.argv[at].isdigit():
        sys.exit(f"{name} needs a whole number")
    return int(sys.argv[at])


def idx(name):
    with gzip.open(f"{FASHION}/{name}.gz") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return numpy.frombuffer(data, numpy.uint8, offset=4 + 4 * dims).reshape(shape)


def narrow_alexnet(classes):
    """torchvision's AlexNet (module names, forward and op order kept) at 1/4 of its widths."""
    model = torchvision.models.AlexNet(num_classes=classes)
    for index, (cin, cout) in {0: (3, 16), 3: (16, 48), 6: (48, 96), 8: (96, 64), 10: (64, 64)}.items():
        old = model.features[index]
        model.features[index] = torch.nn.Conv2d(cin, cout, old.kernel_size, old.stride, old.padding)
    model.classifier[1] = torch.nn.Linear(64 * 6 * 6, 1024)
    model.classifier[4] = torch.nn.Linear(1024, 1024)
    model.classifier[6] = torch.nn.Linear(1024, classes)
    return model


def views(gray, train, generator):
    """torchvision's transform on 28×28 grey images: 3 channels, resize 256, 224 crop (random + mirror
    when training, else center), [0, 1], then the ImageNet mean and std."""
    x = torch.from_numpy(gray).float().div(255).unsqueeze(1).expand(-1, 3, -1, -1)
    x = F.interpolate(x, size=256, mode="bilinear", align_corners=False)
    if not train:
        return (x[:, :, 16:240, 16:240] - MEAN) / STD
    out = torch.empty(x.shape[0], 3, 224, 224)
    for i in range(x.shape[0]):
        top, left = torch.randint(0, 33, (2,), generator=generator).tolist()
        view = x[i, :, top:top + 224, left:left + 224]
        out[i] = view.flip(-1) if torch.rand(1, generator=generator).item() < 0.5 else view
    return (out - MEAN) / STD


def main():
    out = sys.argv[1]
    per_class, epochs = flag("--per-class", 20), flag("--epochs", 2)
    torch.manual_seed(2012)
    generator = torch.Generator().manual_seed(2012)
    train_x, train_y = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
    test_x, test_y = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")

    # Pretraining: classes 0-4, 2000 training images each; SGD with momentum and the paper's weight decay.
    source = numpy.concatenate([numpy.flatnonzero(train_y == c)[:2000] for c in range(5)])
    model = narrow_alexnet(5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    batch, started = 64, time.time()
    for epoch in range(epochs):
        model.train()
        order = source[torch.randperm(len(source), generator=generator).numpy()]
        for step in range(len(order) // batch):
            rows = order[step * batch:(step + 1) * batch]
            loss = F.cross_entropy(model(views(train_x[rows], True, generator)), torch.from_numpy(train_y[rows].astype(numpy.int64)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 20 == 0:
                done = epoch * (len(order) // batch) + step + 1
                rate = done * batch / (time.time() - started)
                print(f"epoch {epoch + 1} step {step}: loss {loss.item():.3f}, {rate:.0f} img/s", flush=True)
    model.eval()
    held_out = numpy.concatenate([numpy.flatnonzero(test_y == c)[:200] for c in range(5)])
    with torch.no_grad():
        predicted = torch.cat([model(views(test_x[held_out[i:i + 100]], False, generator)).argmax(1) for i in range(0, len(held_out), 100)])
    accuracy = (predicted.numpy() == test_y[held_out]).mean()
    print(f"pretrained: top-1 {accuracy:.3f} on {len(held_out)} held-out images of classes 0-4")

    os.makedirs(out, exist_ok=True)
    # The README's two lines, for this model instead of torchvision.models.alexnet(weights=...).
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), f"{out}/pretrained.onnx", input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}})
    with open(f"{out}/pretrained-classes.txt", "w") as names:
        names.write("".join(f"{NAMES[c]}\n" for c in range(5)))
    # The new task: classes 5-9, a few images each, from the training set; held out from the test set.
    for split, images, labels, count in [("train", train_x, train_y, per_class), ("val", test_x, test_y, 200)]:
        for c in range(5, 10):
            folder = f"{out}/tree/{split}/{NAMES[c]}"
            os.makedirs(folder, exist_ok=True)
            for n, row in enumerate(numpy.flatnonzero(labels == c)[:count]):
                Image.fromarray(images[row]).save(f"{folder}/{n:04d}.png")
    with open(f"{out}/pretrain.json", "w") as report:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "epochs": epochs, "images": int(len(source)),
                   "heldOutTop1": float(accuracy), "heldOutImages": int(len(held_out)), "seconds": round(time.time() - started)}, report)
        report.write("\n")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("--"):
        sys.exit(__doc__)
    main()
