#!/usr/bin/env python3
"""Golden gradients and training steps for Zoo's training parity, computed by TensorFlow and Keras 3.

    gradients.py --golden GOLDEN_DIR --out DIR [--only CASE,...]

GOLDEN_DIR is the set written by generate.py (scripts/golden.sh: the narrow models); the tiny models are
the committed Tests/GoldenOutputs/fixtures. For every case of CASES below, writes

    DIR/<case>/case.json               the configuration (model, checkpoint, loss, optimizer, BN mode, ...)
    DIR/<case>/reference.safetensors   float32 tensors (see Tests/GoldenOutputs/README.md):
        input, labels | output_gradient    the gradient batch ("dot" cases carry output_gradient, no labels)
        output                             the model output in training mode for that batch
        loss, loss_data                    [1]: with and without the regularisation terms
        gradient/<layer>/<weight>          d loss / d weight, every trainable weight (GradientTape)
        input_gradient                     d loss / d input
        initial/<layer>/<weight>           every weight before training
        batch/<k>/input, batch/<k>/labels  the batches of the steps (k = 1..S; batch 1 = the gradient batch)
        step/<k>/<layer>/<weight>          every weight (moving statistics included) after k steps of
                                           Keras' own `model.train_on_batch`
        loss_step/<k>                      [1]: the loss train_on_batch reported for step k
    DIR/<case>/model.keras             only for cases whose model is built here (checkpoint_root "gradients")
    DIR/cases.json                     [{"case", "path", "model", "frozen_bn", "steps"}, ...]
    DIR/.complete                      written last ({"mode": "full"|"only", "entries": len(cases.json)})

Two BatchNormalization semantics (docs/keras-numerics.md §9.1):
  tf2     Keras 3 itself: a frozen BN (trainable=False) runs in inference mode during training; a trainable
          BN normalises with the batch mean and biased variance and updates
          moving = moving * momentum + batch * (1 - momentum).
  keras2  Keras 2.2.4 on TensorFlow 1.x, what the notebooks ran. Keras 2.2 cannot be installed next to
          Python 3.11; these are TF computations of Keras 2.2.4's formulas (`keras2_batch_norm`): every BN
          normalises with batch statistics in training, frozen or not; only trainable ones update their
          moving statistics, zero-debiased, with the variance corrected as Keras 2.2 does.

Dropout is turned off (each Dropout layer's rate set to 0.0) so that the references are deterministic.
"""

import argparse
import json
import os
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))    # generate.py and activations.py (standard library at import)

from generate import draw, leaf_layers, log, named_weights, quiet_tf, write_json   # noqa: E402
from activations import odd_clone                                                  # noqa: E402

SEED = 20251204
BATCH = 4
STEPS = 3
ADAM = {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")

CCE = "categorical_crossentropy"
# A gradient below this fraction of the case's largest is zero but for float32 rounding: a bias or a BN's
# gamma/beta feeding a BN that normalises with batch statistics (the output is invariant to them). Such
# tensors are listed in case.json ("zero_gradients"): their stored gradients are rounding noise, and
# Adam turns noise into steps of about +-learning_rate, so their step values are not comparable.
ZERO_GRADIENT = 1e-4


def case(name, model, loss=CCE, frozen_bn="tf2", steps=0, size=None, class_weight=None,
         unfreeze=None, head=None):
    """One reference. size: spatial input size (None: the checkpoint's own); unfreeze: a predicate on layer
    names, every other layer frozen (None: every layer trainable for tiny models, the checkpoint's flags
    for the others); head: replace the output layer ("binary": a 1-unit sigmoid Dense)."""
    return {"case": name, "model": model, "loss": loss, "frozen_bn": frozen_bn, "steps": steps, "size": size,
            "class_weight": class_weight, "unfreeze": unfreeze, "head": head}


TINY = ["tiny_convs", "tiny_pools", "tiny_merges", "tiny_bn", "tiny_activations", "tiny_sequential",
        "tiny_nested", "tiny_vgg"]
NOTEBOOK = ["narrow_tb_vgg16", "narrow_tb_vgg19", "narrow_tb_attention_vgg16", "narrow_melanoma_resnet50"]
# The VGG models keep their 64x64 input: at 48x48 their bases end at 1x1, where the attention model's mask
# cancels out of GAP(mask * features) / GAP(mask) and its attention branch gets no gradient at all.
# The ResNet50 models run at 48x48 (2x2 at conv5).
RESNET_SIZE = (48, 48)
SIZE = {"narrow_melanoma_resnet50": RESNET_SIZE}

CASES = (
    # 1. every tiny model, every layer trainable (tiny_pools ends in a linear Dense: a "dot" loss)
    [case(m, m, loss="dot" if m == "tiny_pools" else CCE, steps=STEPS if m == "tiny_bn" else 0) for m in TINY]
    + [case("tiny_bn_odd", "tiny_bn", size=(13, 17)),
       case("tiny_bn_keras2", "tiny_bn", frozen_bn="keras2", steps=STEPS)]
    # 2. the notebook models as saved (frozen bases), and Keras 2.2's BN where it changes the result: the
    #    trainable head BN's moving statistics (tb_vgg16) and the frozen ResNet50 BNs (melanoma)
    + [case(f"{m}_tf2", m, steps=STEPS, size=SIZE.get(m)) for m in NOTEBOOK]
    + [case(f"{m}_keras2", m, frozen_bn="keras2", steps=STEPS, size=SIZE.get(m))
       for m in ("narrow_tb_vgg16", "narrow_melanoma_resnet50")]
    # 3. the top block unfrozen
    + [case("narrow_vgg16_block5", "narrow_vgg16", steps=STEPS,
            unfreeze=lambda n: n.startswith("block5_") or n in ("flatten", "fc1", "fc2", "predictions")),
       case("narrow_resnet50_conv5_block3", "narrow_resnet50", steps=STEPS, size=RESNET_SIZE,
            unfreeze=lambda n: n.startswith("conv5_block3") or n in ("avg_pool", "predictions"))]
    # 4. the loss variants (the L2 regulariser is the melanoma head's, in the cases above)
    + [case("narrow_tb_vgg16_class_weight", "narrow_tb_vgg16", steps=1,
            class_weight={0: 0.3, 1: 1.7}),
       case("tiny_merges_sparse", "tiny_merges", loss="sparse_categorical_crossentropy", steps=1),
       case("tiny_merges_binary", "tiny_merges", loss="binary_crossentropy", steps=1, head="binary")]
)


def rng_for(spec, in_shape, what):
    """Seeded by model and input shape, not by case: the tf2 and keras2 cases of a model see the same batches."""
    import numpy as np
    key = f"{spec['model']}/{in_shape}/{what}"
    return np.random.default_rng([SEED, zlib.crc32(key.encode())])


# ----------------------------------------------------------------------------------------------------
# Keras 2.2.4's BatchNormalization in training, as TensorFlow computations
# ----------------------------------------------------------------------------------------------------

def keras2_batch_norm(tf, layer, updates):
    """Replaces `layer.call` (a Keras 3 BatchNormalization) by Keras 2.2.4's training behaviour.

    Keras 2.2 cannot be installed next to Python 3.11; these are TF computations of Keras 2.2.4's formulas
    (docs/keras-numerics.md §9.1 has the sources):
    - training: normalise with the batch statistics whether or not the layer is trainable
      (`BatchNormalization.call` always builds `K.normalize_batch_in_training`; `K.in_train_phase` picks it).
      4-D NHWC inputs go through `tf.nn.fused_batch_norm(is_training=True)` (TF 1.x clamps its epsilon to
      at least 1.001e-5), which normalises with the biased variance and returns the variance times
      n/(n-1); other inputs through `tf.nn.moments` (biased) and `tf.nn.batch_normalization`.
    - `updates` (the layer is trainable): the returned variance is multiplied by n/(n-(1+epsilon)), and
      moving_mean / moving_variance follow `assign_moving_average(..., zero_debias=True)` of TF 1.12:
      a zero-initialised `biased` accumulator and `local_step`, and
      v <- v - (v - biased / (1 - momentum^local_step)).
    - inference: Keras 3's own call (moving statistics), as Keras 2.2's `normalize_inference`.
    """
    keras3_call = layer.call
    accumulators = {}
    if updates:
        for var in (layer.moving_mean, layer.moving_variance):
            accumulators[var.path] = (tf.Variable(tf.zeros(var.shape, tf.float32), trainable=False),
                                      tf.Variable(0.0, trainable=False))

    def moving_average_update(var, value):
        biased, local_step = accumulators[var.path]
        decay = tf.constant(1.0 - layer.momentum, tf.float32)          # convert_to_tensor(1.0 - decay)
        biased.assign_sub((biased - value) * decay)
        local_step.assign_add(1.0)
        var.assign(var - (var - biased / (1.0 - tf.pow(1.0 - decay, local_step))))

    def call(inputs, training=None, mask=None):
        if not training:
            return keras3_call(inputs, training=False, mask=mask)
        axis = layer.axis % len(inputs.shape)
        channels = inputs.shape[axis]
        gamma = layer.gamma if layer.scale else None
        beta = layer.beta if layer.center else None
        reduction = [i for i in range(len(inputs.shape)) if i != axis]
        if len(inputs.shape) == 4 and axis == 3:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs,
                tf.convert_to_tensor(gamma) if gamma is not None else tf.ones([channels]),
                tf.convert_to_tensor(beta) if beta is not None else tf.zeros([channels]),
                epsilon=max(layer.epsilon, 1.001e-5), data_format="NHWC", is_training=True)
        else:
            mean, variance = tf.nn.moments(inputs, reduction, keepdims=False)
            outputs = tf.nn.batch_normalization(inputs, mean, variance,
                                                None if beta is None else tf.convert_to_tensor(beta),
                                                None if gamma is None else tf.convert_to_tensor(gamma),
                                                layer.epsilon)
        if updates:
            sample_size = tf.cast(tf.reduce_prod([tf.shape(inputs)[i] for i in reduction]), tf.float32)
            variance = variance * (sample_size / (sample_size - (1.0 + layer.epsilon)))
            moving_average_update(layer.moving_mean, mean)
            moving_average_update(layer.moving_variance, variance)
        return outputs

    layer.call = call

    def reset():
        for biased, local_step in accumulators.values():
            biased.assign(tf.zeros_like(biased))
            local_step.assign(0.0)
    return reset


# ----------------------------------------------------------------------------------------------------
# One case
# ----------------------------------------------------------------------------------------------------

def effective_trainable(keras, model):
    """Leaf layer name -> trainable, counting the enclosing models' flags (Keras 2.2's `Network.updates`
    returns nothing for a frozen nested model; Keras 3 propagates the flag to the layers)."""
    out = {}

    def walk(m, enclosing):
        for layer in m.layers:
            flag = enclosing and layer.trainable
            if isinstance(layer, keras.Model):
                walk(layer, flag)
            else:
                out[layer.name] = flag
    walk(model, model.trainable)
    return out


def load_case_model(keras, spec, golden, out_dir):
    """The Keras 3 model of a case, its checkpoint (root, relative path) and its input shape."""
    name = spec["model"]
    root, base = ("fixtures", FIXTURES) if name.startswith("tiny_") else ("golden", golden)
    checkpoint = f"{name}/k3.keras"
    path = os.path.join(base, checkpoint)
    model = keras.saving.load_model(path, compile=False, safe_mode=False)
    if spec["size"] is not None:
        clone, why = odd_clone(keras, model, path)
        if clone is None:
            raise RuntimeError(f"{spec['case']}: cannot change the input size: {why}")
        model = clone
    if spec["head"] == "binary":
        features = model.get_layer("predictions").input
        kernel = keras.layers.Dense(1, activation="sigmoid", name="binary_head")
        output = kernel(features)
        kernel.set_weights([draw("binary_head/kernel", kernel.kernel.shape), draw("binary_head/bias", (1,))])
        model = keras.Model(model.inputs, output, name=f"{name}_binary")
        root, checkpoint = "gradients", f"{spec['case']}/model.keras"
        os.makedirs(os.path.join(out_dir, spec["case"]), exist_ok=True)
        model.save(os.path.join(out_dir, checkpoint))
    shape = tuple(model.inputs[0].shape[1:])
    if spec["size"] is not None:
        shape = tuple(spec["size"]) + shape[2:]
    return model, root, checkpoint, tuple(int(s) for s in shape)


def set_trainable(keras, model, spec):
    if spec["unfreeze"] is not None:
        model.trainable = True
        for layer in leaf_layers(keras, model):
            layer.trainable = spec["unfreeze"](layer.name)
    elif spec["model"].startswith("tiny_"):
        def unfreeze_all(m):            # a layer frozen in the checkpoint keeps its flag under model.trainable = True
            m.trainable = True
            for layer in m.layers:
                if isinstance(layer, keras.Model):
                    unfreeze_all(layer)
                else:
                    layer.trainable = True
        unfreeze_all(model)


def make_batch(np, spec, k, in_shape, out_shape):
    """Seeded input and labels of batch k (1-based)."""
    x = rng_for(spec, in_shape, f"input/{k}").standard_normal((BATCH,) + in_shape, dtype=np.float32)
    rng = rng_for(spec, in_shape, f"labels/{spec['loss']}/{k}")
    classes = out_shape[-1]
    if spec["loss"] == "dot":
        return x, rng.standard_normal((BATCH,) + out_shape, dtype=np.float32)
    if spec["loss"] == "binary_crossentropy":
        return x, rng.integers(0, 2, (BATCH, 1)).astype(np.float32)
    labels = rng.integers(0, classes, BATCH)
    if spec["loss"] == "sparse_categorical_crossentropy":
        return x, labels.astype(np.float32)
    return x, np.eye(classes, dtype=np.float32)[labels]


def keras_loss(keras, spec):
    if spec["loss"] == "dot":
        # Not a Keras loss: the sum of output times a seeded output gradient, so d loss / d output = labels.
        return lambda labels, output, sample_weight=None: keras.ops.sum(output * labels)
    return {CCE: keras.losses.CategoricalCrossentropy,
            "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
            "binary_crossentropy": keras.losses.BinaryCrossentropy}[spec["loss"]]()


def run_case(spec, golden, out_dir):
    import numpy as np
    import tensorflow as tf
    import keras
    from safetensors.numpy import save_file

    t0 = time.time()
    keras.backend.clear_session()
    model, root, checkpoint, in_shape = load_case_model(keras, spec, golden, out_dir)
    set_trainable(keras, model, spec)
    for layer in leaf_layers(keras, model):
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    trainable = effective_trainable(keras, model)
    resets = []
    if spec["frozen_bn"] == "keras2":
        for layer in leaf_layers(keras, model):
            if isinstance(layer, keras.layers.BatchNormalization):
                resets.append(keras2_batch_norm(tf, layer, updates=trainable[layer.name]))

    weights = [(tname, var) for _, ws in named_weights(keras, model, legacy=False) for tname, var in ws]
    trainable_ids = {id(v) for v in model.trainable_weights}
    train_weights = [(tname, var) for tname, var in weights if id(var) in trainable_ids]
    if len(train_weights) != len(model.trainable_weights):
        raise RuntimeError(f"{spec['case']}: trainable weights not found among the named weights")
    initial = {tname: np.array(var.numpy(), dtype=np.float32) for tname, var in weights}

    out_shape = tuple(int(s) for s in model.outputs[0].shape[1:])      # every case ends in a vector
    batches = [make_batch(np, spec, k, in_shape, out_shape) for k in range(1, max(spec["steps"], 1) + 1)]
    x, labels = batches[0]
    loss_fn = keras_loss(keras, spec)

    def sample_weight(y):
        if spec["class_weight"] is None:
            return None
        return np.array([spec["class_weight"][int(c)] for c in np.argmax(y, axis=-1)], dtype=np.float32)

    # The gradient: one forward pass in training mode under a GradientTape.
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        output = model(x_t, training=True)
        loss_data = loss_fn(tf.constant(labels), output, sample_weight=sample_weight(labels))
        regularisation = tf.add_n(model.losses) if model.losses else tf.constant(0.0)
        loss = loss_data + regularisation
    grads = tape.gradient(loss, [x_t] + [var.value for _, var in train_weights])
    if any(g is None for g in grads):
        raise RuntimeError(f"{spec['case']}: a trainable weight has no gradient")
    output = np.asarray(output, dtype=np.float32)
    if spec["loss"] in (CCE, "sparse_categorical_crossentropy") and spec["frozen_bn"] == "keras2" \
            and float(output.min()) < 1e-7:
        # Keras 2.2 clips probabilities to [1e-7, 1 - 1e-7]; Keras 3 uses the logits. They agree unless saturated.
        raise RuntimeError(f"{spec['case']}: saturated probabilities, Keras 2.2's clipped loss would differ")

    tensors = {"input": x, "output": output,
               "loss": np.array([float(loss)], np.float32), "loss_data": np.array([float(loss_data)], np.float32),
               "input_gradient": np.asarray(grads[0], np.float32)}
    tensors["output_gradient" if spec["loss"] == "dot" else "labels"] = labels
    for (tname, _), g in zip(train_weights, grads[1:]):
        tensors[f"gradient/{tname}"] = np.asarray(g, np.float32)
    largest = max(float(np.max(np.abs(tensors[f"gradient/{t}"]))) for t, _ in train_weights)
    zero_gradients = [t for t, _ in train_weights
                      if float(np.max(np.abs(tensors[f"gradient/{t}"]))) < ZERO_GRADIENT * largest]
    for tname, value in initial.items():
        tensors[f"initial/{tname}"] = value

    # The forward pass in training mode moved the moving statistics: back to the checkpoint's values.
    for tname, var in weights:
        var.assign(initial[tname])
    for reset in resets:
        reset()

    # The steps: Keras' own train_on_batch.
    if spec["steps"]:
        if spec["loss"] == "dot":
            raise RuntimeError(f"{spec['case']}: the dot loss has no train_on_batch")
        optimizer = keras.optimizers.Adam(**{k: v for k, v in ADAM.items() if k != "name"})
        model.compile(optimizer=optimizer, loss=loss_fn, jit_compile=False)
        for k, (xk, yk) in enumerate(batches, start=1):
            y_fed = yk.astype(np.int32) if spec["loss"] == "sparse_categorical_crossentropy" else yk
            reported = model.train_on_batch(xk, y_fed, class_weight=spec["class_weight"])
            tensors[f"batch/{k}/input"] = xk
            tensors[f"batch/{k}/labels"] = yk
            tensors[f"loss_step/{k}"] = np.array([float(reported)], np.float32)
            for tname, var in weights:
                tensors[f"step/{k}/{tname}"] = np.array(var.numpy(), dtype=np.float32)
        if int(optimizer.iterations.numpy()) != spec["steps"]:
            raise RuntimeError(f"{spec['case']}: the optimizer made {int(optimizer.iterations.numpy())} steps")
        # Same batch, same weights, same loss: train_on_batch's first loss is the tape's.
        step_loss = float(tensors["loss_step/1"][0])
        if abs(step_loss - float(loss)) > 1e-5 * max(1.0, abs(float(loss))):
            raise RuntimeError(f"{spec['case']}: train_on_batch loss {step_loss} != GradientTape loss {float(loss)}")
        moving = [t for t, _ in weights if t.endswith("/moving_mean") and trainable[t.split("/")[0]]]
        for tname in moving:
            if np.array_equal(tensors[f"step/{spec['steps']}/{tname}"], initial[tname]):
                raise RuntimeError(f"{spec['case']}: the moving mean of trainable {tname} did not move")

    bad = [k for k, v in tensors.items() if not np.all(np.isfinite(v))]
    if bad:
        raise RuntimeError(f"{spec['case']}: non-finite values in {bad[:5]}")

    info = {
        "model": spec["model"], "checkpoint_root": root, "checkpoint": checkpoint,
        "loss": spec["loss"], "from_logits": False,
        "class_weight": None if spec["class_weight"] is None else {str(k): v for k, v in spec["class_weight"].items()},
        "optimizer": ADAM, "frozen_bn": spec["frozen_bn"], "dropout": "off",
        "trainable": [n for n, flag in trainable.items() if flag and model_layer_has_weights(keras, model, n)],
        "zero_gradients": zero_gradients, "regularized": bool(model.losses), "batch": BATCH, "input_shape": list(in_shape),
        "output_shape": list(out_shape), "steps": spec["steps"], "keras": keras.__version__,
        "tensorflow": tf.__version__, "seed": SEED,
    }
    d = os.path.join(out_dir, spec["case"])
    os.makedirs(d, exist_ok=True)
    final = os.path.join(d, "reference.safetensors")
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}, final + ".tmp",
              metadata={"case": json.dumps(info)})
    os.replace(final + ".tmp", final)
    write_json(os.path.join(d, "case.json"), info)
    log(f"    {spec['case']}: {len(train_weights)} trainable tensors, loss {float(loss):.6g}, "
        f"{os.path.getsize(final) / 1e3:.0f} kB, {time.time() - t0:.1f}s")
    return {"case": spec["case"], "path": f"{spec['case']}/reference.safetensors", "model": spec["model"],
            "frozen_bn": spec["frozen_bn"], "steps": spec["steps"]}


def model_layer_has_weights(keras, model, name):
    return any(layer.name == name and layer.weights for layer in leaf_layers(keras, model))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", required=True, help="directory written by generate.py (scripts/golden.sh)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--only", help="comma-separated case names")
    args = ap.parse_args()
    names = [c["case"] for c in CASES]
    wanted = names if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; the cases are: {', '.join(names)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    quiet_tf()
    import keras
    keras.config.enable_unsafe_deserialization()      # the attention model's RescaleGAP Lambda

    golden, out = os.path.abspath(args.golden), os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    complete = os.path.join(out, ".complete")
    if os.path.exists(complete):
        os.remove(complete)
    start = time.time()
    entries = [run_case(spec, golden, out) for spec in CASES if spec["case"] in wanted]
    write_json(os.path.join(out, "cases.json"), entries)
    total = sum(os.path.getsize(os.path.join(out, e["path"])) for e in entries)
    write_json(complete, {"mode": "only" if args.only else "full", "entries": len(entries), "bytes": total,
                          "seconds": round(time.time() - start, 1)})
    log(f"done: {len(entries)} cases, {total / 1e6:.1f} MB in {time.time() - start:.0f}s -> {out}")


if __name__ == "__main__":
    main()
