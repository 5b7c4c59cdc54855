package io.sparkcnn.spark.job;

import io.sparkcnn.config.RetrainConfig;
import io.sparkcnn.config.HeldOutMetric;
import io.sparkcnn.registry.RegistryVersion;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a challenger replaces the champion. It must be no worse than the champion by more than
 * {@code retrain.tolerance}, and, when both are scored on the frozen held-out set, no worse than the best score
 * any promoted version reached on that set by more than the tolerance either: otherwise successive challengers,
 * each within the tolerance of the one before, could drift down without bound (0.8175, 0.8125, 0.8100, ...).
 *
 * @param best the best promoted version and its recorded score, when there is one to compare with
 */
record RetrainDecision(boolean accepted, double challenger, double champion, Optional<Best> best, String verdict) {
    /** A promoted version's score on the frozen held-out set, as its registry record gives it. */
    record Best(int version, double score) {
    }

    static RetrainDecision decide(RetrainConfig rc, long heldOutImages, double challenger, double champion,
                                  String championName, Optional<Best> best) {
        HeldOutMetric metric = rc.metric();
        boolean withinChampion = within(metric, challenger, champion, rc.tolerance());
        boolean withinBest = best.isEmpty() || within(metric, challenger, best.get().score(), rc.tolerance());
        boolean accepted = withinChampion && withinBest;
        String against = best.map(b -> String.format(Locale.ROOT, ", best promoted v%d %.4f", b.version(), b.score()))
                .orElse("");
        String outcome = accepted ? "promoted" : withinChampion
                ? "rejected, champion kept (more than the tolerance below the best promoted score)"
                : "rejected, champion kept";
        String verdict = String.format(Locale.ROOT, "%s on %d held-out images: challenger %.4f, champion %s %.4f%s, "
                + "tolerance %.4f: %s", metric.configName(), heldOutImages, challenger, championName, champion, against,
                rc.tolerance(), outcome);
        return new RetrainDecision(accepted, challenger, champion, best, verdict);
    }

    private static boolean within(HeldOutMetric metric, double challenger, double reference, double tolerance) {
        return metric.higherIsBetter() ? challenger >= reference - tolerance : challenger <= reference + tolerance;
    }

    /**
     * The best score on the frozen held-out set among the promoted versions: a retrain's challenger score scored
     * on the frozen set with the same metric, and the first version's own held-out metrics (the frozen set is
     * its held-out split). Versions scored otherwise are not comparable and are left out.
     */
    static Optional<Best> bestPromoted(List<RegistryVersion> versions, HeldOutMetric metric) {
        Optional<Best> best = Optional.empty();
        for (RegistryVersion v : versions) {
            if (v.status() != RegistryVersion.Status.CHAMPION && v.status() != RegistryVersion.Status.FORMER_CHAMPION) {
                continue;
            }
            Optional<Double> score = frozenScore(v, metric, v.number() == versions.get(0).number());
            if (score.isPresent() && (best.isEmpty() || metric.improves(score.get(), best.get().score(), 0))) {
                best = Optional.of(new Best(v.number(), score.get()));
            }
        }
        return best;
    }

    private static Optional<Double> frozenScore(RegistryVersion v, HeldOutMetric metric, boolean first) {
        Object decision = v.entry().get("decision");
        Object data = v.entry().get("data");
        if (decision instanceof Map<?, ?> d && data instanceof Map<?, ?> counts && "frozen".equals(counts.get("heldOut"))
                && metric.configName().equals(d.get("metric")) && d.get("challenger") instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        if (first && v.entry().get("metrics") instanceof Map<?, ?> m
                && m.get(metricKey(metric)) instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        return Optional.empty();
    }

    private static String metricKey(HeldOutMetric metric) {
        return switch (metric) {
            case ACCURACY -> "accuracy";
            case MACRO_F1 -> "macroF1";
            case LOSS -> "loss";
        };
    }
}
