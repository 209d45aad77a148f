"""An ONNX graph (onnx_export.py's) run by PyTorch: each node becomes the torch.nn.functional call it
stands for, with the graph's initializers (the Keras weights, already in NCHW/OIHW) as constant tensors.

The module is traced once into a TorchScript graph and frozen (`torch.jit.freeze` folds each
BatchNormalization into the convolution before it, and `torch.jit.optimize_for_inference` picks CPU
kernels), which is what PyTorch offers for CPU inference: no Python runs per layer when it is timed.
Only the ops the exporter writes are translated; any other fails loudly."""
import numpy as np
import onnx
from onnx import numpy_helper


class UnsupportedNode(Exception):
    pass


def _attributes(node):
    return {attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute}


def module(path, output="output"):
    """A torch.nn.Module computing the ONNX model's `output` ("output" or "logits") from its NHWC input."""
    import torch
    import torch.nn.functional as F

    graph = onnx.load(path).graph
    constants = {tensor.name: torch.from_numpy(np.array(numpy_helper.to_array(tensor))) for tensor in graph.initializer}
    nodes = [(node.op_type, list(node.input), node.output[0], _attributes(node)) for node in graph.node]
    for op, inputs, _, attributes in nodes:
        # Constant operands read once here, so the trace holds numbers, not tensor reads.
        if op == "Pad":
            attributes["pads"] = constants[inputs.pop(1)].tolist()
        elif op == "Reshape":
            attributes["shape"] = constants[inputs.pop(1)].tolist()
        elif op == "Clip":
            attributes["min"], attributes["max"] = (constants[inputs.pop(1)].item() for _ in range(2))
    for op, _, name, _ in nodes:
        if op not in TRANSLATED:
            raise UnsupportedNode(f"{path}: node '{name}' is {op}, which onnx_torch.py does not translate")
    graph_input = graph.input[0].name

    class OnnxGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            # Registered as buffers so that freezing treats the weights as constants it may fold.
            self.names = {}
            for index, (name, value) in enumerate(constants.items()):
                self.register_buffer(f"c{index}", value)
                self.names[name] = f"c{index}"

        def forward(self, x):
            values = {graph_input: x}
            value = lambda name: values[name] if name in values else getattr(self, self.names[name])
            for op, inputs, name, attributes in nodes:
                values[name] = TRANSLATED[op](F, [value(i) for i in inputs if i], attributes, inputs)
            return values[output]

    return OnnxGraph().eval()


def _pads(x, pads, F, value=0.0):
    """ONNX pads [top, left, bottom, right] as an explicit F.pad (which takes the last axis first)."""
    top, left, bottom, right = pads
    return F.pad(x, (left, right, top, bottom), value=value) if any(pads) else x


def _convolution(F, operands, attributes, _):
    pads = attributes.get("pads", [0, 0, 0, 0])
    x = operands[0]
    padding = 0
    if pads[0] == pads[2] and pads[1] == pads[3]:
        padding = (pads[0], pads[1])
    else:
        x = _pads(x, pads, F)
    return F.conv2d(x, operands[1], operands[2] if len(operands) > 2 else None, stride=tuple(attributes.get("strides", [1, 1])),
                    padding=padding, dilation=tuple(attributes.get("dilations", [1, 1])), groups=attributes.get("group", 1))


def _pool(kind):
    def pool(F, operands, attributes, _):
        pads = attributes.get("pads", [0, 0, 0, 0])
        kernel, strides = tuple(attributes["kernel_shape"]), tuple(attributes.get("strides", [1, 1]))
        if kind == "max":
            return F.max_pool2d(_pads(operands[0], pads, F, value=float("-inf")), kernel, strides)
        if any(pads):  # TensorFlow averages the real pixels only (the exporter's count_include_pad=0)
            import torch
            ones = torch.ones_like(operands[0][:, :1])
            total = F.avg_pool2d(_pads(operands[0], pads, F), kernel, strides, divisor_override=1)
            return total / F.avg_pool2d(_pads(ones, pads, F), kernel, strides, divisor_override=1)
        return F.avg_pool2d(operands[0], kernel, strides)
    return pool


def _pad(F, operands, attributes, _):
    pads = attributes["pads"]  # [0, 0, top, left, 0, 0, bottom, right]
    return _pads(operands[0], [pads[2], pads[3], pads[6], pads[7]], F)


def _concat(F, operands, attributes, _):
    import torch
    return torch.cat(operands, dim=attributes["axis"])


def _gemm(F, operands, attributes, _):
    if attributes.get("transA", 0) or attributes.get("transB", 0):
        raise UnsupportedNode("Gemm with transposes")
    return F.linear(operands[0], operands[1].t(), operands[2] if len(operands) > 2 else None)


TRANSLATED = {
    "Transpose": lambda F, o, a, _: o[0].permute(*a["perm"]),
    "Conv": _convolution,
    "BatchNormalization": lambda F, o, a, _: F.batch_norm(o[0], o[3], o[4], o[1], o[2], False, 0.0, a.get("epsilon", 1e-5)),
    "Relu": lambda F, o, a, _: F.relu(o[0]),
    "LeakyRelu": lambda F, o, a, _: F.leaky_relu(o[0], a.get("alpha", 0.01)),
    "Sigmoid": lambda F, o, a, _: o[0].sigmoid(),
    "Tanh": lambda F, o, a, _: o[0].tanh(),
    "Softmax": lambda F, o, a, _: F.softmax(o[0], dim=a.get("axis", -1)),
    "Pad": _pad,
    "MaxPool": _pool("max"),
    "AveragePool": _pool("average"),
    "GlobalAveragePool": lambda F, o, a, _: o[0].mean(dim=(2, 3), keepdim=True),
    "GlobalMaxPool": lambda F, o, a, _: o[0].amax(dim=(2, 3), keepdim=True),
    "Flatten": lambda F, o, a, _: o[0].flatten(a.get("axis", 1)),
    "Gemm": _gemm,
    "Add": lambda F, o, a, _: o[0] + o[1],
    "Mul": lambda F, o, a, _: o[0] * o[1],
    "Sub": lambda F, o, a, _: o[0] - o[1],
    "Div": lambda F, o, a, _: o[0] / o[1],
    "Clip": lambda F, o, a, _: o[0].clamp(a["min"], a["max"]),
    "Concat": _concat,
    # ONNX's 0 keeps the input's size: the batch axis.
    "Reshape": lambda F, o, a, _: o[0].reshape([o[0].shape[0]] + a["shape"][1:]),
    "Max": lambda F, o, a, _: o[0].maximum(o[1]),
    "Identity": lambda F, o, a, _: o[0],
}


def optimised(path, example, output="output"):
    """The traced, frozen TorchScript module of `path`'s `output` for inputs shaped like `example`."""
    import torch

    with torch.inference_mode(False), torch.no_grad():
        traced = torch.jit.trace(module(path, output), example)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
