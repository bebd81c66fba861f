"""Full-size torchvision AlexNet → ONNX → `alexnet import` → `alexnet predict`, against torch.

Writes into OUT: alexnet.onnx (torchvision.models.alexnet, exported in two lines as the README
shows), classes.txt, image.png (256×256) and torch.json (torchvision's top-5 and probabilities for
image.png with its ImageNet transform). Pretrained weights need a download this machine cannot
make, so without --weights-file the weights are torchvision's own initialisation under a seed,
spread by He initialisation so the top-5 is far from a tie.
Run: /usr/bin/python3 scripts/torchvision-round-trip.py OUT [--weights-file alexnet-owt-7be5be79.pth]
then: npx alexnet import OUT/alexnet.onnx --out OUT/checkpoint --class-names OUT/classes.txt
      npx alexnet predict OUT/image.png --checkpoint OUT/checkpoint --json
"""
import json
import math
import sys

import numpy
import torch
import torchvision
from PIL import Image
from torchvision import transforms

out = sys.argv[1]
torch.manual_seed(2012)
model = torchvision.models.alexnet()
if "--weights-file" in sys.argv:
    model.load_state_dict(torch.load(sys.argv[sys.argv.index("--weights-file") + 1]))
else:
    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            torch.nn.init.uniform_(module.bias, -0.2, 0.2)
model.eval()
torch.onnx.export(model, torch.zeros(1, 3, 224, 224), f"{out}/alexnet.onnx", input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}})

with open(f"{out}/classes.txt", "w") as names:
    names.write("".join(f"class {i}\n" for i in range(1000)))
pixels = numpy.array([[[int(127.5 + 127.5 * math.sin(0.05 * x + 0.07 * y + 2.1 * c)) for c in range(3)] for x in range(256)] for y in range(256)], dtype=numpy.uint8)
Image.fromarray(pixels).save(f"{out}/image.png")
transform = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
with torch.no_grad():
    probabilities = torch.softmax(model(transform(Image.open(f"{out}/image.png").convert("RGB")).unsqueeze(0)).double(), dim=1)[0]
top = torch.topk(probabilities, 5)
with open(f"{out}/torch.json", "w") as reference:
    json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__,
               "top5": [{"class": f"{i:03d}", "probability": p} for p, i in zip(top.values.tolist(), top.indices.tolist())],
               "probabilities": probabilities.tolist()}, reference)
