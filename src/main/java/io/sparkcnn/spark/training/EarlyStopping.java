package io.sparkcnn.spark.training;

import io.sparkcnn.config.EarlyStoppingConfig;
import io.sparkcnn.eval.Metrics;

import java.util.List;
import java.util.Locale;

/**
 * Which epoch is the best so far and whether training should stop, decided from the held-out metrics of the
 * epochs run (a checkpoint keeps them, so a resumed run decides exactly as the undisturbed one would have).
 *
 * @param bestEpoch  the best epoch, numbered from 1 (with early stopping off, the last one)
 * @param stop       whether to stop before train.epochs
 * @param reason     why training ends, or would end here, for model.json and the report
 */
public record EarlyStopping(int bestEpoch, boolean stop, String reason) {
    public static EarlyStopping decide(EarlyStoppingConfig config, List<Metrics> history, int epochs) {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("no epoch has been evaluated");
        }
        int n = history.size();
        if (!config.enabled()) {
            return new EarlyStopping(n, false, "train.epochs = " + epochs + " reached");
        }
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (config.metric().improves(history.get(i).score(config.metric()),
                    history.get(best).score(config.metric()), config.minDelta())) {
                best = i;
            }
        }
        int without = n - 1 - best;
        String name = "held-out " + config.metric().configName();
        String bestText = String.format(Locale.ROOT, "best epoch %d (%s %.4f)", best + 1, name,
                history.get(best).score(config.metric()));
        if (without >= config.patience()) {
            return new EarlyStopping(best + 1, true, String.format(Locale.ROOT,
                    "stopped early after epoch %d of %d: %s did not improve by more than %s for %d epochs "
                            + "(train.earlyStopping.patience); %s", n, epochs, name, config.minDelta(), without,
                    bestText));
        }
        return new EarlyStopping(best + 1, false, "train.epochs = " + epochs + " reached; " + bestText);
    }
}
