"""Keras outputs before a final softmax, for agreement checks: with random weights the softmax saturates to
one-hot vectors that every framework matches exactly whatever came before, so the values it is applied
to are what the frameworks are compared on."""


def drop_final_softmax(model):
    """Makes `model`'s output layer (Dense or Activation) skip its softmax, in place. Returns whether it
    had one. Call a fresh `tf.function` afterwards: one already traced keeps the softmax."""
    import keras

    layer = model.outputs[0]._keras_history.operation
    if getattr(layer, "activation", None) is not keras.activations.softmax:
        return False
    layer.activation = keras.activations.linear
    return True
