package io.sparkcnn.data;

import java.util.List;

/** A label that the model's label index does not know, e.g. a class added to the lake after training. */
public final class UnknownLabelException extends RuntimeException {
    public UnknownLabelException(String label, List<String> known) {
        super("label \"" + label + "\" is not in the label index " + known
                + "; the model was trained without this class");
    }
}
