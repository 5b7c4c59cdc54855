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
 * the set of labels alone, independent of listing order. A retrain that grows a model appends its new
 * classes after the old ones ({@link #extendedWith}), so the old classes keep their ids and output weights;
 * a stored index is therefore read back in its stored order ({@link #inOrder}). It is stored with every
 * model; a label the index does not know is an error, never a silent wrong id.
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

    /** An index in the given order (as stored with a model); duplicates and empty names are errors. */
    public static LabelIndex inOrder(List<String> labels) {
        if (labels.isEmpty() || new TreeSet<>(labels).size() != labels.size()
                || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
            throw new IllegalArgumentException("a label index needs distinct, non-empty class names, got " + labels);
        }
        return new LabelIndex(labels);
    }

    /** This index with {@code added} classes appended (sorted among themselves); old ids are unchanged. */
    public LabelIndex extendedWith(Collection<String> added) {
        List<String> all = new ArrayList<>(labels);
        for (String label : new TreeSet<>(added)) {
            if (!ids.containsKey(label)) {
                all.add(label);
            }
        }
        return inOrder(all);
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
