package io.sparkcnn.spark;

import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
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

    /** A mergeable partial evaluation. */
    static final class Part implements Serializable {
        final Evaluation evaluation;
        double lossSum;

        Part(List<String> labels) {
            evaluation = new Evaluation(labels);
        }

        Part merge(Part other) {
            evaluation.merge(other.evaluation);
            lossSum += other.lossSum;
            return this;
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
                for (DataSet batch : Minibatches.of(images, p.labels(), shape, labels.size(), batchSize)) {
                    out.evaluation.eval(batch.getLabels(), replica.output(batch.getFeatures()));
                    out.lossSum += replica.score(batch) * batch.numExamples();
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
