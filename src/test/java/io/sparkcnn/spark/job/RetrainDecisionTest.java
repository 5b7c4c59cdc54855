package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.RetrainConfig;
import io.sparkcnn.config.HeldOutMetric;
import io.sparkcnn.registry.RegistryVersion;
import io.sparkcnn.registry.RegistryVersion.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The champion/challenger rule, on registry records as version.json holds them. */
class RetrainDecisionTest {
    private static RetrainConfig retrain(String... overrides) {
        return JobConfigLoader.load(Optional.empty(), List.of(overrides)).retrain();
    }

    private static RegistryVersion first(Status status, double accuracy, double loss) {
        return new RegistryVersion(1, "v1", Map.of("kind", "train", "metrics", Map.of("accuracy", accuracy, "loss",
                loss)), status);
    }

    private static RegistryVersion retrained(int n, Status status, String metric, double score, String heldOut) {
        return new RegistryVersion(n, "v" + n, Map.of("kind", "retrain", "decision", Map.of("metric", metric,
                "challenger", score, "accepted", true), "data", Map.of("heldOut", heldOut)), status);
    }

    @Test
    void successiveChallengersWithinTheToleranceOfEachOtherCannotDriftBelowTheBestPromotedScore() {
        List<RegistryVersion> registry = List.of(first(Status.FORMER_CHAMPION, 0.8175, 0.5),
                retrained(2, Status.CHAMPION, "accuracy", 0.8125, "frozen"));
        Optional<RetrainDecision.Best> best = RetrainDecision.bestPromoted(registry, HeldOutMetric.ACCURACY);
        assertEquals(Optional.of(new RetrainDecision.Best(1, 0.8175)), best);

        RetrainDecision third = RetrainDecision.decide(retrain(), 400, 0.8100, 0.8125, "v2", best);
        assertFalse(third.accepted(), third.verdict());
        assertTrue(third.verdict().endsWith("rejected, champion kept (more than the tolerance below the best promoted "
                + "score)"), third.verdict());
        assertTrue(third.verdict().contains("best promoted v1 0.8175"), third.verdict());
        assertTrue(RetrainDecision.decide(retrain(), 400, 0.8130, 0.8125, "v2", best).accepted(),
                "within the tolerance of both");
        assertFalse(RetrainDecision.decide(retrain(), 400, 0.8000, 0.8125, "v2", Optional.empty()).accepted(),
                "more than the tolerance below the champion");
    }

    @Test
    void onlyScoresOnTheFrozenSetWithTheSameMetricAndOfPromotedVersionsCount() {
        List<RegistryVersion> registry = List.of(first(Status.CHAMPION, 0.70, 0.9),
                retrained(2, Status.REJECTED, "accuracy", 0.95, "frozen"),
                retrained(3, Status.CANDIDATE, "accuracy", 0.96, "frozen"),
                retrained(4, Status.FORMER_CHAMPION, "accuracy", 0.99, "current"),
                retrained(5, Status.FORMER_CHAMPION, "macro-f1", 0.98, "frozen"));
        assertEquals(Optional.of(new RetrainDecision.Best(1, 0.70)),
                RetrainDecision.bestPromoted(registry, HeldOutMetric.ACCURACY));
    }

    @Test
    void forLossLowerIsBetterOnBothComparisons() {
        List<RegistryVersion> registry = List.of(first(Status.FORMER_CHAMPION, 0.8, 0.40),
                retrained(2, Status.CHAMPION, "loss", 0.45, "frozen"));
        Optional<RetrainDecision.Best> best = RetrainDecision.bestPromoted(registry, HeldOutMetric.LOSS);
        assertEquals(Optional.of(new RetrainDecision.Best(1, 0.40)), best);
        RetrainConfig rc = retrain("retrain.metric=loss", "retrain.tolerance=0.05");
        assertTrue(RetrainDecision.decide(rc, 10, 0.44, 0.45, "v2", best).accepted());
        assertFalse(RetrainDecision.decide(rc, 10, 0.46, 0.45, "v2", best).accepted(), "0.46 > 0.40 + 0.05");
    }
}
