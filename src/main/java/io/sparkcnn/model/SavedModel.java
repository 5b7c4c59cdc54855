package io.sparkcnn.model;

import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import java.util.Map;

/**
 * A trained network with what inference needs to use it exactly as training did (label index, input shape,
 * normalisation) and its provenance: the resolved config, seed, code version, Spark settings, backend,
 * data snapshot summary and per-epoch held-out metrics (kept as JSON-ready maps).
 */
public record SavedModel(Network network, LabelIndex labels, InputShape shape, Normalisation normalisation,
                         Map<String, Object> provenance) {
}
