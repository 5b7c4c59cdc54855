package io.sparkcnn.train;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Network;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The equivalence proofs of parameter averaging, without Spark: one worker is a plain fit, bit for bit;
 * N workers give the mean of N independently fitted replicas.
 */
class WorkerStepTest {
    private static float[] floats(INDArray a) {
        return a.dup().data().asFloat();
    }

    @Test
    void oneWorkerEqualsAPlainFitBitForBit() {
        for (TrainConfig train : List.of(TrainingFixtures.adam(),
                TrainConfig.of(Architecture.LENET, UpdaterKind.NESTEROV, 0.01, 8))) {
            List<DataSet> batches = TrainingFixtures.batches(6, 8, 1);
            MultiLayerNetwork plain = TrainingFixtures.network(train, 42);
            INDArray start = plain.params().dup();
            INDArray startState = plain.getUpdater().getStateViewArray().dup();
            for (DataSet b : batches) {
                plain.fit(b);
            }
            // The replica starts from other weights: everything it needs comes from the merged state.
            Network replica = TrainingFixtures.replica(train, 7);
            WorkerResult r = WorkerStep.fit(replica, start, startState, 0, 0, batches);
            assertArrayEquals(floats(plain.params()), floats(r.params()), 0f, train.architecture() + " parameters");
            assertEquals(6, r.minibatches());
            assertEquals(48, r.images());
            assertTrue(Double.isFinite(r.meanLoss()));
        }
    }

    @Test
    void roundsWithOneWorkerEqualAnUninterruptedFitIncludingAdamState() {
        TrainConfig train = TrainingFixtures.adam();
        List<DataSet> batches = TrainingFixtures.batches(9, 8, 2);
        MultiLayerNetwork plain = TrainingFixtures.network(train, 42);
        INDArray params = plain.params().dup();
        INDArray state = plain.getUpdater().getStateViewArray().dup();
        for (DataSet b : batches) {
            plain.fit(b);
        }
        // Three rounds of three minibatches, a fresh replica each round (as after a task retry).
        for (int round = 0; round < 3; round++) {
            Network replica = TrainingFixtures.replica(train, 100 + round);
            WorkerResult r = WorkerStep.fit(replica, params, state, 0, round * 3,
                    batches.subList(round * 3, round * 3 + 3));
            params = ParameterAveraging.mean(List.of(r.params()));
            state = ParameterAveraging.mean(List.of(r.updaterState()));
        }
        assertArrayEquals(floats(plain.params()), floats(params), 0f);
        assertArrayEquals(floats(plain.getUpdater().getStateViewArray()), floats(state), 0f);
    }

    @Test
    void aReplicaThatTrainedBeforeGivesTheSameResultAsAFreshOne() {
        // What a retried task on another executor sees: no replica, or one left over from other rounds.
        TrainConfig train = TrainingFixtures.adam();
        Network init = TrainingFixtures.replica(train, 42);
        INDArray params = init.params().dup();
        INDArray state = init.updaterState().dup();
        List<DataSet> batches = TrainingFixtures.batches(3, 8, 4);
        Network used = TrainingFixtures.replica(train, 42);
        WorkerStep.fit(used, params, state, 1, 40, TrainingFixtures.batches(5, 8, 99));
        WorkerResult stale = WorkerStep.fit(used, params, state, 0, 3, batches);
        WorkerResult fresh = WorkerStep.fit(TrainingFixtures.replica(train, 42), params, state, 0, 3, batches);
        assertArrayEquals(floats(fresh.params()), floats(stale.params()), 0f);
        assertArrayEquals(floats(fresh.updaterState()), floats(stale.updaterState()), 0f);
    }

    @Test
    void oneResidualNetWorkerEqualsAPlainGraphFitBitForBit() {
        TrainConfig train = TrainConfig.of(Architecture.RESNET, UpdaterKind.ADAM, 1e-3, 8);
        List<DataSet> batches = TrainingFixtures.batches(4, 8, 3);
        ComputationGraph plain = (ComputationGraph) TrainingFixtures.replica(train, 42).dl4j();
        INDArray start = plain.params().dup();
        INDArray startState = plain.getUpdater().getStateViewArray().dup();
        for (DataSet b : batches) {
            plain.fit(b);
        }
        WorkerResult r = WorkerStep.fit(TrainingFixtures.replica(train, 9), start, startState, 0, 0, batches);
        assertArrayEquals(floats(plain.params()), floats(r.params()), 0f);
        assertArrayEquals(floats(plain.getUpdater().getStateViewArray()), floats(r.updaterState()), 0f);
    }

    @Test
    void nWorkersMergeToTheMeanOfIndependentReplicas() {
        TrainConfig train = TrainingFixtures.adam();
        MultiLayerNetwork init = TrainingFixtures.network(train, 42);
        INDArray start = init.params().dup();
        List<INDArray> replicas = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            // Each worker fits its own data on its own replica, as a plain network would.
            MultiLayerNetwork plain = TrainingFixtures.network(train, 42);
            for (DataSet b : TrainingFixtures.batches(4, 8, 10 + w)) {
                plain.fit(b);
            }
            WorkerResult r = WorkerStep.fit(TrainingFixtures.replica(train, 5), start,
                    init.getUpdater().getStateViewArray(), 0, 0, TrainingFixtures.batches(4, 8, 10 + w));
            assertArrayEquals(floats(plain.params()), floats(r.params()), 0f, "worker " + w);
            replicas.add(r.params());
        }
        float[] merged = floats(ParameterAveraging.mean(replicas));
        float[][] each = replicas.stream().map(WorkerStepTest::floats).toArray(float[][]::new);
        for (int i = 0; i < merged.length; i++) {
            assertEquals((each[0][i] + each[1][i] + each[2][i]) / 3f, merged[i], 0f, "element " + i);
        }
        assertFalse(java.util.Arrays.equals(each[0], each[1]), "workers saw different data");
    }
}
