package io.sparkcnn.spark.training;

import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Mistake;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.gpu.TaskGpus;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.train.Minibatches;
import io.sparkcnn.train.OffHeap;
import io.sparkcnn.train.WorkerCompute;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Scores one cached held-out partition with the broadcast parameters: an Evaluation and the summed loss. */
record EvalTask(String jobId, NetworkSpec spec, Broadcast<float[]> params, InputShape shape, List<String> labels,
                Normalisation normalisation, int batchSize, WorkerCompute compute)
        implements FlatMapFunction<Iterator<DecodedPartition>, EvalTask.Part> {

    /** How many misclassified images (the most confident mistakes) an evaluation keeps for the report. */
    static final int MISSES = 16;

    /** A mergeable partial evaluation, with its most confident mistakes. */
    static final class Part implements Serializable {
        final Evaluation evaluation;
        double lossSum;
        final List<Mistake> misses = new ArrayList<>();

        Part(List<String> labels) {
            evaluation = new Evaluation(labels);
        }

        Part merge(Part other) {
            evaluation.merge(other.evaluation);
            lossSum += other.lossSum;
            other.misses.forEach(this::offer);
            return this;
        }

        /** Keeps the {@link #MISSES} most confident mistakes (ties: the first offered). */
        void offer(Mistake m) {
            if (misses.size() < MISSES || m.probability() > misses.get(misses.size() - 1).probability()) {
                misses.add(m);
                misses.sort(java.util.Comparator.comparingDouble(Mistake::probability).reversed());
                if (misses.size() > MISSES) {
                    misses.remove(misses.size() - 1);
                }
            }
        }
    }

    private void collectMisses(DecodedPartition p, int first, float[][] probabilities, Part out) {
        for (int i = 0; i < probabilities.length; i++) {
            int truth = p.labels()[first + i];
            int predicted = io.sparkcnn.eval.Ranking.argmax(probabilities[i]);
            if (predicted != truth && (out.misses.size() < MISSES
                    || probabilities[i][predicted] > out.misses.get(out.misses.size() - 1).probability())) {
                out.offer(new Mistake(p.image(first + i, Normalisation.unit()), shape.channels(),
                        shape.height(), shape.width(), labels.get(truth), labels.get(predicted),
                        probabilities[i][predicted]));
            }
        }
    }

    @Override
    public Iterator<Part> call(Iterator<DecodedPartition> partitions) {
        compute.prepare(TaskGpus.current());
        Part out = new Part(labels);
        while (partitions.hasNext()) {
            DecodedPartition p = partitions.next();
            if (p.count() == 0) {
                continue;
            }
            String key = jobId + "/eval/" + p.index();
            Network replica = Replicas.borrow(key, spec);
            replica.setParams(Nd4j.createFromArray(params.value()));
            List<float[]> images = new ArrayList<>(p.count());
            for (int i = 0; i < p.count(); i++) {
                images.add(p.image(i, normalisation));
            }
            try {
                int first = 0;
                for (DataSet batch : Minibatches.of(images, p.labels(), shape, labels.size(), batchSize)) {
                    org.nd4j.linalg.api.ndarray.INDArray output = replica.output(batch.getFeatures());
                    out.evaluation.eval(batch.getLabels(), output);
                    out.lossSum += replica.score(batch) * batch.numExamples();
                    collectMisses(p, first, io.sparkcnn.model.Network.rows(output), out);
                    first += batch.numExamples();
                }
            } catch (OutOfMemoryError e) {
                if (OffHeap.isOffHeap(e)) {
                    throw OffHeap.explain(e, "evaluating held-out partition " + p.index()
                            + " (train.evalBatchSize sets the images per forward pass)");
                }
                throw e;
            }
            Replicas.giveBack(key, replica);
        }
        return List.of(out).iterator();
    }
}
