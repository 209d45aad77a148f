"""A Zoo recipe trained by Keras 3 on TensorFlow: the peer of `zoo bench --peer keras` (docs/bench.md).

    python keras_recipe.py REQUESTS.json
    python keras_recipe.py --check-parameters Benchmarks/recipes/*.json

REQUESTS.json is what Zoo's KerasPeerRun writes: {"threads": N, "runs": [run, ...]}. One process serves every run
of a `zoo bench` invocation, so TensorFlow's import (5 s to a minute on two cores, with the page cache warm or cold) is paid once; it is reported as
`import_seconds` and is not part of any run's wall time. Each run names:

    recipe              the recipe as Zoo ran it (after --quick's resizing), in the recipe file's format
    protocol            "seed" or "clean" (docs/bench.md, "Protocols")
    seed                seeds Keras' Python, NumPy and TensorFlow generators (the draws differ from Zoo's)
    checkpoint          the Keras checkpoint Zoo converted: a whole base (.keras, the reference generator's) or the
                        published keras.applications weights file (.h5)
    splits              {"train": [[path, class], ...], "validation": [...], "test": [...]}, absolute paths
    positive_class      the class whose probability is the score
    augment_validation  score validation through the training augmentation (the seed protocol on TB)
    round_steps_down    n // bs batches per epoch and per validation (the seed protocol), or whole passes
    output              where this run's result goes (written whole under a temporary name, then renamed)

The model is the recipe's, built as the notebooks build it: keras.applications' base without its top, frozen
(nested as one layer or inline, as `base.join` says), the head layer by layer, the base's weights copied from the
checkpoint by layer name. Images are read as Keras' `load_img` reads them (RGB, the recipe's size and
interpolation), preprocessed as the recipe says, and augmented for training by Keras 3's ImageDataGenerator with
the recipe's arguments. Training: the recipe's optimizer, categorical cross-entropy, epochs and batch size. The
seed protocol keeps the recipe's ReduceLROnPlateau and EarlyStopping verbatim (Keras 2.2's `acc`/`val_acc` names
added to the logs, as Zoo does), runs a frozen base's BatchNormalization on batch statistics when the recipe
says `keras2`, and the last epoch's model is scored; the clean protocol keeps the learning-rate schedule and
restores the weights of the epoch with the lowest validation loss (EarlyStopping, restore_best_weights).
ModelCheckpoint is left out: in both protocols it decides nothing that is scored.

A result holds the per-epoch history, the positive-class probability of every test image and, for the clean
protocol's threshold, every validation image (in request order), Keras' count of the model's trainable parameters (Zoo checks it against its own), wall seconds of the whole run (model, weights, images, training, scoring) and of training
alone, and the Keras and TensorFlow versions. Zoo computes the threshold and every metric from them, exactly
as it does for its own runs.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from peer_timing import quiet_tensorflow

ARCHITECTURES = {"vgg16": "VGG16", "vgg19": "VGG19", "resnet50": "ResNet50"}


def write_json(path, value):
    """Whole or not at all: a temporary name, then a rename."""
    partial = f"{path}.partial"
    with open(partial, "w") as file:
        json.dump(value, file)
    os.replace(partial, path)


def keras_two_batch_norm(keras):
    """Keras 2.2's frozen BatchNormalization (the notebooks' `frozen_batch_norm: keras2`): batch statistics while
    training, the moving statistics left as they are."""

    class BatchStatisticsWhenTraining(keras.layers.BatchNormalization):
        def call(self, inputs, training=None, mask=None):
            if not training:
                return super().call(inputs, training=False, mask=mask)
            axis = self.axis % len(inputs.shape)
            mean, variance = keras.ops.moments(inputs, axes=[a for a in range(len(inputs.shape)) if a != axis])
            return keras.ops.batch_normalization(inputs, mean, variance, axis=axis, offset=self.beta, scale=self.gamma,
                                                 epsilon=self.epsilon)

    return BatchStatisticsWhenTraining


def build_base(keras, recipe, checkpoint, frozen_batch_norm):
    """keras.applications' base at the recipe's size, frozen, with the checkpoint's weights (None: left as Keras
    initialises them, for counting parameters)."""
    size = recipe["input"]["size"]
    application = getattr(keras.applications, ARCHITECTURES[recipe["base"]["architecture"]])
    base = application(include_top=False, weights=None, input_shape=(size, size, 3))
    if checkpoint is not None:
        if checkpoint.endswith(".keras"):
            source = keras.models.load_model(checkpoint, compile=False)
            for layer in source.layers:
                if layer.weights:
                    base.get_layer(layer.name).set_weights(layer.get_weights())
        else:
            base.load_weights(checkpoint)
    if frozen_batch_norm == "keras2" and any(isinstance(layer, keras.layers.BatchNormalization) for layer in base.layers):
        batch_norm = keras_two_batch_norm(keras)

        def clone(layer):
            kind = batch_norm if isinstance(layer, keras.layers.BatchNormalization) else layer.__class__
            return kind.from_config(layer.get_config())

        weights = base.get_weights()
        base = keras.models.clone_model(base, clone_function=clone)
        base.set_weights(weights)
    base.trainable = False
    return base


def divide_layer(keras, name):
    """The attention head's RescaleGAP, which the notebook wrote as a Lambda `x[0] / x[1]`."""

    class Divide(keras.layers.Layer):
        def call(self, inputs):
            return keras.ops.divide(inputs[0], inputs[1])

    return Divide(name=name)


def head_layer(keras, spec):
    """One recipe head layer as a Keras layer (docs/bench.md lists the fields)."""
    L = keras.layers
    kind, name = spec["type"], spec["name"]
    if kind == "batch_normalization":
        return L.BatchNormalization(name=name)
    if kind == "global_average_pooling2d":
        return L.GlobalAveragePooling2D(name=name)
    if kind == "flatten":
        return L.Flatten(name=name)
    if kind == "dropout":
        return L.Dropout(spec["rate"], name=name)
    if kind == "dense":
        regularizer = keras.regularizers.l2(spec["l2"]) if spec.get("l2") is not None else None
        return L.Dense(spec["units"], activation=spec.get("activation"), kernel_regularizer=regularizer, name=name)
    if kind == "activation":
        if spec["activation"] == "leaky_relu":
            return L.LeakyReLU(negative_slope=spec.get("alpha", 0.3), name=name)
        if spec["activation"] == "elu" and spec.get("alpha") is not None:
            return L.ELU(alpha=spec["alpha"], name=name)
        return L.Activation(spec["activation"], name=name)
    if kind == "conv2d":
        return L.Conv2D(spec["filters"], spec["kernel_size"], padding=spec.get("padding", "valid"),
                        activation=spec.get("activation"), use_bias=spec.get("use_bias", True),
                        kernel_initializer=spec.get("kernel_initializer", "glorot_uniform"),
                        trainable=spec.get("trainable", True), name=name)
    if kind == "multiply":
        return L.Multiply(name=name)
    if kind == "divide":
        return divide_layer(keras, name)
    raise ValueError(f"{spec['name']}: unknown head layer type '{kind}'")


def build_model(keras, recipe, checkpoint=None, frozen_batch_norm="tf2"):
    """The recipe's whole model: the frozen base nested or inline, then the head as the recipe lists it."""
    base = build_base(keras, recipe, checkpoint, frozen_batch_norm)
    if recipe["base"]["join"] == "nested":
        inputs = keras.Input(base.input.shape[1:])
        outputs = {"base": base(inputs)}
    else:
        inputs = base.input
        outputs = {"base": base.output}
    previous = outputs["base"]
    for spec in recipe["head"]:
        arguments = [outputs[name] for name in spec["inputs"]] if spec.get("inputs") else [previous]
        layer = head_layer(keras, spec)
        previous = outputs[spec["name"]] = layer(arguments if len(arguments) > 1 else arguments[0])
    return keras.Model(inputs, previous, name=recipe["name"].replace("-", "_"))


def trainable_parameters(model):
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))


def check_parameters(paths):
    """Keras' trainable parameter count of every recipe's model at its own size against the recipe's."""
    quiet_tensorflow()
    import keras

    failures = 0
    for path in paths:
        with open(path) as file:
            recipe = json.load(file)
        counted = trainable_parameters(build_model(keras, recipe))
        expected = recipe["trainable_parameters"]
        verdict = "ok" if counted == expected else "MISMATCH"
        failures += counted != expected
        print(f"{recipe['name']}: Keras counts {counted:,} trainable parameters, the recipe says {expected:,}: {verdict}", flush=True)
    return 1 if failures else 0


class Images:
    """One split's images as Keras' fit and predict read them: decoded like `load_img`, preprocessed as the
    recipe says, augmented when asked; shuffled each pass when asked, from the run's seed.

    The stream continues from epoch to epoch, as the notebooks' generators did (and Zoo's streams do): batch
    `index` of epoch `epoch` is batch `epoch x steps + index` of the endless stream, each pass cut into
    ceil(images / batch size) batches. The batch is computed from that number, not taken from a cursor, so that a
    batch read out of turn (Keras peeks at data to learn shapes) changes nothing."""

    def __init__(self, keras, tf, recipe, entries, positive_class, batch_size, steps, shuffle, augment, seed):
        self.keras, self.recipe = keras, recipe
        self.paths = [path for path, _ in entries]
        self.classes = np.array([label for _, label in entries])
        self.batch_size, self.steps, self.shuffle = batch_size, steps, shuffle
        self.random = np.random.default_rng(seed)
        self.orders = []
        self.epoch = 0
        settings = recipe["training"].get("augmentation") if augment else None
        self.augmentation = None
        if settings:
            arguments = {key: value for key, value in settings.items() if key != "centre"}
            self.augmentation = tf.keras.preprocessing.image.ImageDataGenerator(**arguments)
        self.positive_class = positive_class

    def order(self, number):
        """The image order of pass `number`: passes are shuffled in turn from the seed, so every pass keeps its own."""
        while len(self.orders) <= number:
            self.orders.append(self.random.permutation(len(self.paths)) if self.shuffle else np.arange(len(self.paths)))
        return self.orders[number]

    def dataset(self, tf):
        """The stream as a tf.data.Dataset of `steps` batches per epoch; `StreamEpochs` tells it which epoch runs.
        Not a PyDataset: Keras reads one through from_generator with an AUTOTUNE prefetch, and that hung at the start
        of the second epoch with 512x512 batches (TensorFlow 2.21); here a batch is made when fit asks for it."""
        size = self.recipe["input"]["size"]
        signature = (tf.TensorSpec((None, size, size, 3), tf.float32), tf.TensorSpec((None, 2), tf.float32))
        return tf.data.Dataset.from_generator(
            lambda: (self.batch(self.epoch * self.steps + index) for index in range(self.steps)), output_signature=signature
        ).apply(tf.data.experimental.assert_cardinality(self.steps))

    def batch(self, number):
        per_pass = (len(self.paths) + self.batch_size - 1) // self.batch_size
        pass_number, index = divmod(number, per_pass)
        chosen = self.order(pass_number)[index * self.batch_size:(index + 1) * self.batch_size]
        x = np.stack([self.load(self.paths[i]) for i in chosen])
        y = np.eye(2, dtype=np.float32)[self.classes[chosen]]
        return x, y

    def load(self, path):
        size = self.recipe["input"]["size"]
        image = self.keras.utils.load_img(path, color_mode="rgb", target_size=(size, size),
                                          interpolation=self.recipe["input"]["interpolation"])
        x = self.keras.utils.img_to_array(image, dtype="float32")
        if self.augmentation is not None:
            x = self.augmentation.random_transform(x)
        preprocessing = self.recipe["input"]["preprocessing"]
        if preprocessing.startswith("rescale:"):
            x *= np.float32(float(preprocessing.split(":", 1)[1]))
        elif preprocessing == "caffe":
            x = self.keras.applications.imagenet_utils.preprocess_input(x, mode="caffe")
        elif preprocessing != "none":
            raise ValueError(f"input.preprocessing '{preprocessing}': expected rescale:<factor>, caffe or none")
        return x

    def scores(self, model):
        """The positive class's probability for every image, in order, in inference mode."""
        probabilities = np.concatenate([
            np.asarray(model.predict_on_batch(np.stack([self.load(path) for path in self.paths[start:start + self.batch_size]])))
            for start in range(0, len(self.paths), self.batch_size)])
        return [float(p) for p in probabilities[:, self.positive_class]]


def keras_two_mode(mode, monitor):
    """Keras 2.2's `mode='auto'`: maximise whatever has `acc` in its name (even the notebooks' `"'val_acc'"`),
    minimise the rest. Keras 3 refuses to guess for a metric it does not know."""
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor else "min"


def callbacks(keras, recipe, protocol, epochs, streams):
    """The protocol's callbacks (see the module's docstring), each epoch's learning rate and seconds logged, and
    the epoch handed to the image streams before it reads them."""
    settings = recipe["training"]["callbacks"]

    class StreamEpochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            for stream in streams:
                stream.epoch = epoch

    class EpochLogs(keras.callbacks.Callback):
        """Keras 2.2's metric names beside Keras 3's, the epoch's learning rate and its wall seconds."""

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()
            self.rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

        def on_epoch_end(self, epoch, logs=None):
            for name, old in (("accuracy", "acc"), ("val_accuracy", "val_acc")):
                if name in logs:
                    logs[old] = logs[name]
            logs["learning_rate"] = self.rate
            logs["seconds"] = time.perf_counter() - self.started

    chosen = [StreamEpochs(), EpochLogs()]
    plateau = settings.get("reduce_lr_on_plateau")
    if plateau:
        chosen.append(keras.callbacks.ReduceLROnPlateau(
            monitor=plateau["monitor"], factor=plateau["factor"], patience=plateau["patience"],
            min_delta=plateau["min_delta"], cooldown=plateau["cooldown"], min_lr=plateau["min_lr"]))
    stopping = settings.get("early_stopping")
    if protocol == "seed":
        if stopping:
            chosen.append(keras.callbacks.EarlyStopping(monitor=stopping["monitor"], patience=stopping["patience"],
                                                        mode=keras_two_mode(stopping["mode"], stopping["monitor"])))
    else:
        chosen.append(keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", restore_best_weights=True,
                                                    patience=stopping["patience"] if stopping else epochs))
    return chosen


def run(keras, tf, request):
    started = time.perf_counter()
    recipe, protocol, seed = request["recipe"], request["protocol"], request["seed"]
    keras.utils.set_random_seed(seed)
    frozen_batch_norm = recipe["frozen_batch_norm"] if protocol == "seed" else "tf2"
    model = build_model(keras, recipe, request["checkpoint"], frozen_batch_norm)
    training = recipe["training"]
    optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
                 "rmsprop": keras.optimizers.RMSprop}[training["optimizer"]["name"]]
    model.compile(optimizer=optimizer(learning_rate=training["optimizer"]["learning_rate"]),
                  loss="categorical_crossentropy", metrics=["accuracy"])

    batch_size, splits = training["batch_size"], request["splits"]

    def steps(entries):
        count = len(entries)
        return max(1, count // batch_size) if request["round_steps_down"] else (count + batch_size - 1) // batch_size

    def images(name, shuffle, augment):
        return Images(keras, tf, recipe, splits[name], request["positive_class"], batch_size,
                      steps(splits[name]), shuffle, augment, seed)

    train = images("train", shuffle=True, augment=True)
    validation = images("validation", shuffle=False, augment=request["augment_validation"])
    fit_started = time.perf_counter()
    history = model.fit(train.dataset(tf), validation_data=validation.dataset(tf), epochs=training["epochs"], shuffle=False,
                        callbacks=callbacks(keras, recipe, protocol, training["epochs"], [train, validation]), verbose=0)
    training_seconds = time.perf_counter() - fit_started
    epochs = [{key: float(values[index]) for key, values in history.history.items()}
              for index in range(len(history.history["loss"]))]

    # Only the clean protocol chooses its threshold on validation; the seed protocol keeps 0.5, as Zoo does.
    validation_scores = images("validation", shuffle=False, augment=False).scores(model) if protocol == "clean" else []
    test_scores = images("test", shuffle=False, augment=False).scores(model)
    return {
        "history": epochs, "validation_scores": validation_scores, "test_scores": test_scores,
        "trainable_parameters": trainable_parameters(model),
        "wall_seconds": time.perf_counter() - started, "training_seconds": training_seconds,
        "keras_version": keras.__version__, "tensorflow_version": tf.__version__,
    }


def serve(path):
    with open(path) as file:
        requests = json.load(file)
    quiet_tensorflow()
    threads = int(requests.get("threads", os.cpu_count() or 1))
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import_started = time.perf_counter()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    import_seconds = time.perf_counter() - import_started
    for index, request in enumerate(requests["runs"]):
        label = f"{request['recipe']['name']} ({request['protocol']} protocol) seed {request['seed']}"
        print(f"keras_recipe.py: run {index + 1} of {len(requests['runs'])}: {label}", file=sys.stderr, flush=True)
        result = run(keras, tf, request)
        result["import_seconds"] = import_seconds
        result["threads"] = threads
        write_json(request["output"], result)
        print(f"keras_recipe.py: {label}: {result['wall_seconds']:.1f} s", file=sys.stderr, flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("requests", nargs="?", help="the run requests Zoo wrote")
    parser.add_argument("--check-parameters", nargs="+", metavar="RECIPE", help="recipe files whose trainable parameters to count")
    options = parser.parse_args()
    if options.check_parameters:
        return check_parameters(options.check_parameters)
    if not options.requests:
        parser.error("give REQUESTS.json or --check-parameters RECIPE...")
    return serve(options.requests)


if __name__ == "__main__":
    sys.exit(main())
