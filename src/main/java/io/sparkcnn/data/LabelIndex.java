package io.sparkcnn.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Class names to ids: the sorted class names, id = position. Sorting makes the index a function of
 * the set of labels alone, independent of listing order. It is stored with every model; a label the
 * index does not know is an error, never a silent wrong id.
 */
public final class LabelIndex implements Serializable {
    private final List<String> labels;
    private final Map<String, Integer> ids;

    private LabelIndex(List<String> sortedLabels) {
        this.labels = List.copyOf(sortedLabels);
        Map<String, Integer> m = new TreeMap<>();
        for (int i = 0; i < labels.size(); i++) {
            m.put(labels.get(i), i);
        }
        this.ids = Map.copyOf(m);
    }

    /** The index of a set of class names (duplicates are merged). */
    public static LabelIndex of(Collection<String> labels) {
        TreeSet<String> sorted = new TreeSet<>();
        for (String label : labels) {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("a class name must not be empty, got \"" + label + "\"");
            }
            sorted.add(label);
        }
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("a label index needs at least one class");
        }
        return new LabelIndex(new ArrayList<>(sorted));
    }

    public int size() {
        return labels.size();
    }

    public List<String> labels() {
        return labels;
    }

    public String label(int id) {
        if (id < 0 || id >= labels.size()) {
            throw new IllegalArgumentException("class id " + id + " is outside [0, " + labels.size() + ")");
        }
        return labels.get(id);
    }

    /** The id of a label; an unknown label is an {@link UnknownLabelException} naming it. */
    public int id(String label) {
        Integer id = ids.get(label);
        if (id == null) {
            throw new UnknownLabelException(label, labels);
        }
        return id;
    }

    public boolean contains(String label) {
        return ids.containsKey(label);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelIndex other && other.labels.equals(labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "LabelIndex" + labels;
    }
}
