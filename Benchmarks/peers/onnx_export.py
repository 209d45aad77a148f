"""Keras model -> ONNX graph, built node by node with onnx.helper (no tf2onnx).

tf2onnx goes through a frozen TensorFlow graph and ran out of memory on VGG's 400 MB dense top on
these 24 GiB machines. This exporter reads the Keras model's layers and weights directly, so it needs
about the model's size twice (the weights plus the serialised protobuf).

Layout: the ONNX model takes the same NHWC input as Keras and transposes it once to NCHW, the layout
ONNX convolutions are defined in. Kernels go from Keras' HWIO to OIHW. Before a Flatten the value is
transposed back to NHWC so the flattened order (and so Dense's (in, out) rows) is Keras' own.
TensorFlow's 'same' padding (the extra pixel at the bottom/right) becomes explicit pads.

    python onnx_export.py MODEL.keras OUT.onnx       export a saved Keras model
    python onnx_export.py --self-test                tiny VGG-like model: export, run in ONNX Runtime,
                                                     compare with Keras (fails above 1e-4 normalised)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from keras_logits import drop_final_softmax
from peer_timing import normalised_difference

# ONNX Runtime 1.31 runs opset 17 fully; its IR version 8 is what that opset was released with.
OPSET = 17
IR_VERSION = 8
TOLERANCE = 1e-4


class UnsupportedLayer(Exception):
    """A layer, activation or option this exporter has no ONNX translation for."""


def tf_same_pads(size, kernel, stride, dilation=1):
    """TensorFlow's 'same' padding along one axis: (before, after), the odd pixel after."""
    effective = (kernel - 1) * dilation + 1
    output = -(-size // stride)
    total = max((output - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


class Exporter:
    def __init__(self, model):
        self.model = model
        self.nodes = []
        self.initializers = []
        self.rank = {}  # value name -> rank; rank-4 values are NCHW inside the graph

    def weight(self, name, array, dtype=np.float32):
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name))
        return name

    def node(self, op, inputs, output, **attributes):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def activation(self, name, value, layer_name):
        ops = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
        if name == "linear":
            return value
        if name in ("swish", "silu"):
            # x * sigmoid(x): ONNX Runtime fuses the pair (QuickGelu/Swish); opset 17 has no Swish node.
            gate = self.node("Sigmoid", [value], f"{layer_name}/sigmoid")
            out = self.node("Mul", [value, gate], f"{layer_name}/swish")
        elif name == "relu6":
            out = self.clip(value, 0.0, 6.0, layer_name)
        elif name == "softmax":
            # Keras' softmax is over the last axis; in NCHW that is axis 1 for rank-4 values.
            axis = 1 if self.rank[value] == 4 else -1
            out = self.node("Softmax", [value], f"{layer_name}/softmax", axis=axis)
        elif name in ops:
            out = self.node(ops[name], [value], f"{layer_name}/{name}")
        else:
            raise UnsupportedLayer(f"layer '{layer_name}': activation '{name}' has no ONNX mapping here")
        self.rank[out] = self.rank[value]
        return out

    def clip(self, value, low, high, layer_name):
        bounds = [self.weight(f"{layer_name}/min", np.float32(low)), self.weight(f"{layer_name}/max", np.float32(high))]
        return self.node("Clip", [value] + bounds, f"{layer_name}/clip")

    def channel_constant(self, name, values, rank):
        """Per-channel values (or one) shaped to broadcast over an NCHW (rank 4) or (N, C) value."""
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        return self.weight(name, values.reshape((-1, 1, 1)) if rank == 4 and values.size > 1 else values)

    def spatial_pads(self, layer, shape, kernel, strides, dilation=(1, 1)):
        if layer.padding == "valid":
            return [0, 0, 0, 0]
        top, bottom = tf_same_pads(shape[1], kernel[0], strides[0], dilation[0])
        left, right = tf_same_pads(shape[2], kernel[1], strides[1], dilation[1])
        return [top, left, bottom, right]

    def layer(self, layer, inputs):
        kind = type(layer).__name__
        name = layer.name
        x = inputs[0]
        config = layer.get_config()
        if kind == "Conv2D":
            if config.get("groups", 1) != 1 or config["data_format"] != "channels_last":
                raise UnsupportedLayer(f"layer '{name}': only channels_last, ungrouped Conv2D")
            kernel, *rest = layer.get_weights()
            ins = [x, self.weight(f"{name}/kernel", kernel.transpose(3, 2, 0, 1))]
            if layer.use_bias:
                ins.append(self.weight(f"{name}/bias", rest[0]))
            pads = self.spatial_pads(layer, layer.input.shape, kernel.shape[:2], layer.strides, layer.dilation_rate)
            out = self.node("Conv", ins, name, kernel_shape=list(kernel.shape[:2]), strides=list(layer.strides),
                            dilations=list(layer.dilation_rate), pads=pads)
            self.rank[out] = 4
            return self.activation(config["activation"], out, name)
        if kind == "DepthwiseConv2D":
            # A grouped convolution, one group per input channel: Keras' (kh, kw, C, M) kernel is ONNX's (C·M, 1, kh, kw).
            kernel, *rest = layer.get_weights()
            height, width, channels, multiplier = kernel.shape
            ins = [x, self.weight(f"{name}/kernel", kernel.reshape(height, width, 1, channels * multiplier).transpose(3, 2, 0, 1))]
            if layer.use_bias:
                ins.append(self.weight(f"{name}/bias", rest[0]))
            pads = self.spatial_pads(layer, layer.input.shape, (height, width), layer.strides, layer.dilation_rate)
            out = self.node("Conv", ins, name, kernel_shape=[height, width], strides=list(layer.strides),
                            dilations=list(layer.dilation_rate), pads=pads, group=channels)
            self.rank[out] = 4
            return self.activation(config["activation"], out, name)
        if kind == "Rescaling":
            scale = self.channel_constant(f"{name}/scale", layer.scale, self.rank[x])
            out = self.node("Mul", [x, scale], f"{name}/scaled")
            offset = np.asarray(layer.offset, dtype=np.float32)
            if np.any(offset != 0):
                out = self.node("Add", [out, self.channel_constant(f"{name}/offset", offset, self.rank[x])], name)
            self.rank[out] = self.rank[x]
            return out
        if kind == "Normalization":
            if layer.invert or tuple(layer.axis) not in ((-1,), (len(layer.input.shape) - 1,)):
                raise UnsupportedLayer(f"layer '{name}': only Normalization over the channel axis, not inverted")
            mean = np.asarray(layer.mean).reshape(-1)
            deviation = np.maximum(np.sqrt(np.asarray(layer.variance).reshape(-1)), np.float32(1e-7))
            centred = self.node("Sub", [x, self.channel_constant(f"{name}/mean", mean, self.rank[x])], f"{name}/centred")
            out = self.node("Div", [centred, self.channel_constant(f"{name}/deviation", deviation, self.rank[x])], name)
            self.rank[out] = self.rank[x]
            return out
        if kind == "Reshape":
            target = list(layer.target_shape)
            if self.rank[x] != 2 or len(target) != 3 or target[:2] != [1, 1]:
                raise UnsupportedLayer(f"layer '{name}': only Reshape of a vector to (1, 1, C), as squeeze-and-excitation does")
            out = self.node("Reshape", [x, self.weight(f"{name}/shape", [0, -1, 1, 1], dtype=np.int64)], name)
            self.rank[out] = 4
            return out
        if kind == "Concatenate":
            if layer.axis not in (-1, 3) or any(self.rank[value] != 4 for value in inputs):
                raise UnsupportedLayer(f"layer '{name}': only Concatenate of feature maps over channels")
            out = self.node("Concat", inputs, name, axis=1)
            self.rank[out] = 4
            return out
        if kind == "BatchNormalization":
            if layer.axis not in (-1, 3):
                raise UnsupportedLayer(f"layer '{name}': BatchNormalization over axis {layer.axis}")
            weights = {w.path.split("/")[-1]: w.numpy() for w in layer.weights}
            channels = weights["moving_mean"].shape[0]
            gamma = weights.get("gamma", np.ones(channels, np.float32))
            beta = weights.get("beta", np.zeros(channels, np.float32))
            out = self.node("BatchNormalization",
                            [x, self.weight(f"{name}/gamma", gamma), self.weight(f"{name}/beta", beta),
                             self.weight(f"{name}/moving_mean", weights["moving_mean"]),
                             self.weight(f"{name}/moving_variance", weights["moving_variance"])],
                            name, epsilon=float(layer.epsilon))
            self.rank[out] = self.rank[x]
            return out
        if kind == "Activation":
            return self.activation(config["activation"], x, name)
        if kind == "ReLU":
            if config.get("negative_slope", 0) or config.get("threshold", 0) or config.get("max_value") not in (None, 6.0):
                raise UnsupportedLayer(f"layer '{name}': ReLU with a max_value other than 6, negative_slope or threshold")
            return self.activation("relu" if config.get("max_value") is None else "relu6", x, name)
        if kind == "LeakyReLU":
            slope = config.get("negative_slope", config.get("alpha"))
            out = self.node("LeakyRelu", [x], name, alpha=float(slope))
            self.rank[out] = self.rank[x]
            return out
        if kind == "ZeroPadding2D":
            (top, bottom), (left, right) = layer.padding
            pads = self.weight(f"{name}/pads", [0, 0, top, left, 0, 0, bottom, right], dtype=np.int64)
            out = self.node("Pad", [x, pads], name, mode="constant")
            self.rank[out] = 4
            return out
        if kind in ("MaxPooling2D", "AveragePooling2D"):
            pads = self.spatial_pads(layer, layer.input.shape, layer.pool_size, layer.strides)
            op = "MaxPool" if kind == "MaxPooling2D" else "AveragePool"
            extra = {"count_include_pad": 0} if op == "AveragePool" else {}  # TensorFlow averages real pixels only
            out = self.node(op, [x], name, kernel_shape=list(layer.pool_size), strides=list(layer.strides), pads=pads, **extra)
            self.rank[out] = 4
            return out
        if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
            op = "GlobalAveragePool" if kind == "GlobalAveragePooling2D" else "GlobalMaxPool"
            pooled = self.node(op, [x], f"{name}/pool")
            if config.get("keepdims"):
                self.rank[pooled] = 4
                return pooled
            out = self.node("Flatten", [pooled], name, axis=1)
            self.rank[out] = 2
            return out
        if kind == "Flatten":
            if self.rank[x] == 4:
                x = self.node("Transpose", [x], f"{name}/nhwc", perm=[0, 2, 3, 1])
            out = self.node("Flatten", [x], name, axis=1)
            self.rank[out] = 2
            return out
        if kind == "Dense":
            if self.rank[x] != 2:
                raise UnsupportedLayer(f"layer '{name}': Dense on a rank-{self.rank[x]} input")
            kernel, *rest = layer.get_weights()
            ins = [x, self.weight(f"{name}/kernel", kernel)]
            if layer.use_bias:
                ins.append(self.weight(f"{name}/bias", rest[0]))
            out = self.node("Gemm", ins, name)
            self.rank[out] = 2
            return self.activation(config["activation"], out, name)
        if kind in ("Add", "Multiply", "Subtract", "Maximum"):
            op = {"Add": "Add", "Multiply": "Mul", "Subtract": "Sub", "Maximum": "Max"}[kind]
            out = inputs[0]
            for index, other in enumerate(inputs[1:]):
                out = self.node(op, [out, other], name if index == len(inputs) - 2 else f"{name}/{index}")
            self.rank[out] = self.rank[inputs[0]]
            return out
        if kind == "Dropout":
            return x
        raise UnsupportedLayer(f"layer '{name}': {kind} is not supported by the ONNX exporter")

    def graph(self, model, inputs):
        """Adds the nodes of `model`'s layers reading `inputs` (value names, one per model input), a nested model's
        layers inline (the notebooks' tuberculosis models nest their VGG base); returns its output's value name."""
        import keras

        values = {tensor._keras_history.operation.name: value for tensor, value in zip(model.inputs, inputs)}
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            # The call in this model's graph: a nested model's first inbound node is its own, from its Input.
            calls = [[t._keras_history.operation.name for t in node.input_tensors] for node in layer._inbound_nodes]
            operands = [values[name] for name in next(names for names in calls if all(n in values for n in names))]
            values[layer.name] = self.graph(layer, operands) if isinstance(layer, keras.Model) else self.layer(layer, operands)
        return values[model.outputs[0]._keras_history.operation.name]

    def export(self):
        if len(self.model.inputs) != 1 or len(self.model.outputs) != 1:
            raise UnsupportedLayer("the exporter handles models with one input and one output")
        height, width, channels = self.model.inputs[0].shape[1:]
        graph_input = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", height, width, channels])
        nchw = self.node("Transpose", ["input"], "input/nchw", perm=[0, 3, 1, 2])
        self.rank[nchw] = 4
        last = self.graph(self.model, [nchw])
        if self.rank[last] == 4:
            last = self.node("Transpose", [last], "output/nhwc", perm=[0, 2, 3, 1])
        self.nodes.append(helper.make_node("Identity", [last], ["output"], name="output"))
        output_shape = ["N"] + list(self.model.outputs[0].shape[1:])
        graph_outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, output_shape)]
        final = next(node for node in self.nodes if node.output[0] == last)
        if final.op_type == "Softmax":
            # The values before a final softmax, as a second output for agreement checks: with random weights
            # the softmax saturates to one-hot vectors, equal in every framework whatever came before.
            # Fetching only "output" runs the same nodes as a model without it.
            self.nodes.append(helper.make_node("Identity", [final.input[0]], ["logits"], name="logits"))
            graph_outputs.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, output_shape))
        graph = helper.make_graph(self.nodes, self.model.name, [graph_input], graph_outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="zoo-onnx-export", ir_version=IR_VERSION)
        onnx.checker.check_model(model)  # the in-memory check: models up to 2 GB
        return model


def export(model):
    """The ONNX ModelProto computing what `model` (a Keras Functional or Sequential model) computes."""
    return Exporter(model).export()


def self_test():
    """A tiny VGG-like model with every layer kind the benchmark models use: conv (stride 1 'same',
    stride 2 'same' with TensorFlow's uneven pads, 'valid'), BN, residual add, both pools, zero padding,
    flatten of an NHWC map into dense rows, LeakyReLU, softmax, and a nested model (as the tuberculosis
    models nest their VGG base); and the mobile families': Rescaling, Normalization, a depthwise convolution with
    ReLU(6.0), swish, squeeze-and-excitation (Reshape, broadcast Multiply) and DenseNet's Concatenate. Odd sizes
    make a wrong flatten order or padding side show up."""
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((13, 11, 3))
    nested_input = keras.Input((13, 11, 3))
    nested = keras.Model(nested_input, keras.layers.Conv2D(8, 3, padding="same", activation="relu")(nested_input), name="base")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
    normalization = keras.layers.Normalization()
    normalization.adapt(np.random.default_rng(4).normal(0.2, 0.6, (8, 13, 11, 3)).astype(np.float32))
    x = nested(normalization(x))
    x = keras.layers.ReLU(6.0)(keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(x))
    squeeze = keras.layers.Reshape((1, 1, 16))(keras.layers.GlobalAveragePooling2D()(x))
    x = keras.layers.Multiply()([x, keras.layers.Conv2D(16, 1, activation="sigmoid")(squeeze)])
    x = keras.layers.Concatenate()([keras.layers.Conv2D(4, 1, activation="swish")(x), x])
    y = keras.layers.Conv2D(8, 3, strides=2, padding="same")(x)
    y = keras.layers.BatchNormalization(epsilon=1.001e-5)(y)
    shortcut = keras.layers.Conv2D(8, 1, strides=2)(x)
    x = keras.layers.Activation("relu")(keras.layers.Add()([y, shortcut]))
    # (ONNX Runtime folds a Pad into the pool after it and then rejects pads as large as the window, so
    # the zero padding feeds a convolution, as in ResNet50's stem.)
    x = keras.layers.MaxPooling2D(2, strides=1, padding="same")(x)
    x = keras.layers.ZeroPadding2D(((1, 0), (0, 1)))(x)
    x = keras.layers.Conv2D(6, 2, padding="valid", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    flat = keras.layers.Flatten()(x)
    pooled = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.1)(keras.layers.Dense(16)(flat))
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Add()([keras.layers.Dense(6)(x), keras.layers.Dense(6)(pooled)])
    outputs = keras.layers.Activation("softmax")(x)
    model = keras.Model(inputs, outputs, name="tiny_vgg_like")
    # Non-trivial BN statistics (fresh ones are the identity).
    bn = next(layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
    rng = np.random.default_rng(5)
    bn.set_weights([rng.uniform(0.5, 1.5, 8), rng.normal(0, 0.5, 8), rng.normal(0, 0.5, 8), rng.uniform(0.5, 2, 8)])
    image = rng.normal(0, 1, (3, 13, 11, 3)).astype(np.float32)
    proto = export(model)
    expected = model(image, training=False).numpy()
    drop_final_softmax(model)
    expected_logits = model(image, training=False).numpy()

    import onnxruntime

    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    failed = False
    for name, reference, actual in zip(("output", "logits"), (expected, expected_logits),
                                       session.run(["output", "logits"], {"input": image})):
        difference = normalised_difference(reference, actual)
        print(f"tiny VGG-like model, {name}: ONNX Runtime vs Keras, max normalised difference {difference:.3g} (tolerance {TOLERANCE:g})")
        if actual.shape != reference.shape or not difference <= TOLERANCE:
            print(f"FAILED: ONNX Runtime's {name} {actual.shape} differs from Keras' {reference.shape} by {difference:.3g}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def main(argv):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    import keras

    model = keras.models.load_model(argv[0], compile=False)
    try:
        proto = export(model)
    except UnsupportedLayer as problem:
        print(f"onnx_export.py: {argv[0]}: {problem}", file=sys.stderr)
        return 1
    temporary = argv[1] + ".tmp"
    onnx.save(proto, temporary)
    os.replace(temporary, argv[1])
    print(f"{argv[1]}: {len(proto.graph.node)} nodes, {sum(np.prod(t.dims) for t in proto.graph.initializer):,} values")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
