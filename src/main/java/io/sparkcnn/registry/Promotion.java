package io.sparkcnn.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One change of champion, as recorded in {@code champion/<sequence>.json}: the newest record names the
 * current champion, and the series is the model's promotion history.
 *
 * @param action promote (a job or a user promoted it) or rollback
 */
public record Promotion(long sequence, int version, String action, String at, String by, String reason,
                        Integer previous) {
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("action", action);
        m.put("at", at);
        m.put("by", by);
        m.put("reason", reason);
        m.put("previous", previous);
        return m;
    }

    static Promotion of(long sequence, Map<String, Object> m) {
        return new Promotion(sequence, ((Number) m.get("version")).intValue(), (String) m.get("action"),
                (String) m.get("at"), (String) m.get("by"), (String) m.get("reason"),
                m.get("previous") == null ? null : ((Number) m.get("previous")).intValue());
    }
}
