"""PyTorch side of bench/train-step.mjs: the same AlexNet (one column, or the paper's two
columns with groups=2 in conv2, conv4 and conv5), one SGD step at a time on the CPU.
    python train_step_torch.py <columns> <size> <batch> <steps> <threads>
Prints one JSON line with images/s."""
import json
import sys
import time

import torch
import torch.nn as nn

columns, size, batch, steps, threads = (int(a) for a in sys.argv[1:6])
torch.set_num_threads(threads)
torch.manual_seed(0)
g = columns  # conv2, conv4, conv5 read only their own column's half of the channels

# Paper LRN: alpha multiplies the plain sum; torch divides alpha by n, so pass alpha*n.
features = nn.Sequential(
    nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2), nn.MaxPool2d(3, 2),
    nn.Conv2d(96, 256, 5, padding=2, groups=g), nn.ReLU(), nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2), nn.MaxPool2d(3, 2),
    nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
    nn.Conv2d(384, 384, 3, padding=1, groups=g), nn.ReLU(),
    nn.Conv2d(384, 256, 3, padding=1, groups=g), nn.ReLU(), nn.MaxPool2d(3, 2),
    nn.Flatten(),
)
with torch.no_grad():
    flat = features(torch.zeros(1, 3, size, size)).shape[1]
model = nn.Sequential(
    features,
    nn.Linear(flat, 4096), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(4096, 1000),
)
params = sum(p.numel() for p in model.parameters())
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
pixels = torch.randn(batch, 3, size, size)
y = torch.randint(0, 1000, (batch,))
loss_fn = nn.CrossEntropyLoss()


def step():
    x = pixels.clone()  # as the tfjs side copies the batch into the engine each step
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


step()  # warm-up
start = time.perf_counter()
for _ in range(steps):
    step()
seconds = time.perf_counter() - start
print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(), "params": params,
                  "imagesPerSecond": batch * steps / seconds, "msPerStep": 1000 * seconds / steps}))
