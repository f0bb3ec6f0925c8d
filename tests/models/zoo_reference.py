#!/usr/bin/env python3
"""Reference weights, inputs and logits for the zoo's torchvision comparison
(test_zoo_torchvision.cpp), from Debian's python3-torch and torchvision.

  zoo_reference.py OUT_DIR SIZE CLASSES NAME...

For each nabla model NAME it builds the equivalent PyTorch network with a
fixed seed, gives every BatchNorm random affine parameters and statistics
measured on random images (so eval mode is not the identity, the signal
survives the depth, and the buffers' names are exercised),
and writes
  OUT_DIR/NAME.weights.safetensors  the state_dict, metadata {"parameters": count}
  OUT_DIR/NAME.io.safetensors       "input" (2, 3, SIZE, SIZE) and its eval-mode "logits"
with the independent writer of tests/io/safetensors_ref.py.
"""
import os
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
import safetensors_ref  # noqa: E402


def mobilenet_v1(num_classes):
    """MobileNet v1 (Howard et al. 2017) under nabla's names: torchvision has none."""
    def conv_bn_relu(cin, cout, kernel, stride, groups=1):
        return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    class MobileNetV1(nn.Module):
        def __init__(self):
            super().__init__()
            blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
                      (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
            layers = [nn.Sequential(*conv_bn_relu(3, 32, 3, 2))]
            c = 32
            for out, stride in blocks:
                layers.append(nn.Sequential(*conv_bn_relu(c, c, 3, stride, groups=c),
                                            *conv_bn_relu(c, out, 1, 1)))
                c = out
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(c, num_classes)

        def forward(self, x):
            return self.fc(torch.flatten(self.avgpool(self.features(x)), 1))

    return MobileNetV1()


BUILDERS = {
    "resnet18": lambda k: tvm.resnet18(num_classes=k),
    "vgg11-bn": lambda k: tvm.vgg11_bn(num_classes=k),
    "densenet121": lambda k: tvm.densenet121(num_classes=k),
    "googlenet": lambda k: tvm.googlenet(num_classes=k, aux_logits=True, init_weights=True),
    "alexnet-torchvision": lambda k: tvm.alexnet(num_classes=k),
    "mobilenet-v1": mobilenet_v1,
}


def calibrate_batch_norms(model, size):
    """Random affine parameters, and running statistics measured on a batch
    of random images (one training-mode pass with momentum None). Left at
    mean 0 and variance 1, the statistics would not match the activations
    and, through dozens of layers, the logits would stop depending on the
    input; measured ones keep eval mode meaningful and are not 0 and 1."""
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for m in norms:
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0.0, 0.1)
            m.reset_running_stats()
            m.momentum = None
        model.train()
        model(torch.randn(4, 3, size, size))
        for m in norms:
            m.momentum = 0.1


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, size, classes = argv[1], int(argv[2]), int(argv[3])
    # One thread: the test builds its own models on the other core meanwhile.
    torch.set_num_threads(1)
    for name in argv[4:]:
        torch.manual_seed(0)
        model = BUILDERS[name](classes)
        calibrate_batch_norms(model, size)
        model.eval()
        x = torch.randn(2, 3, size, size)
        with torch.no_grad():
            logits = model(x)
        state = {k: v.detach().contiguous().numpy() for k, v in model.state_dict().items()}
        count = sum(p.numel() for p in model.parameters())
        safetensors_ref.write_tensors(os.path.join(out_dir, name + ".weights.safetensors"), state,
                                      {"parameters": str(count)})
        safetensors_ref.write_tensors(os.path.join(out_dir, name + ".io.safetensors"),
                                      {"input": x.numpy(), "logits": logits.numpy()}, {})
        del model, state
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
