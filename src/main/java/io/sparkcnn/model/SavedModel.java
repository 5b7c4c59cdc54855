package io.sparkcnn.model;

import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;

/**
 * A trained network with what inference needs to use it exactly as training did (label index, input shape,
 * normalisation) and its {@link Provenance}.
 */
public record SavedModel(Network network, LabelIndex labels, InputShape shape, Normalisation normalisation,
                         Provenance provenance) {
    /**
     * Fails with a configuration error naming data.image when the configured decoding does not produce the
     * inputs this model takes; {@code who} names the model in the message (e.g. "the model", "champion v2").
     */
    public void requireInputs(io.sparkcnn.config.ImageConfig image, String who) {
        InputShape configured = InputShape.of(image);
        if (!configured.equals(shape)) {
            throw new io.sparkcnn.config.ConfigException("data.image", who + " takes " + shape.describe()
                    + " inputs, the config decodes to " + configured.describe()
                    + "; set data.image.{channels,height,width} to match");
        }
    }
}
