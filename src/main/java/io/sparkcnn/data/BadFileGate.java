package io.sparkcnn.data;

import io.sparkcnn.config.BadFilePolicy;
import io.sparkcnn.config.BadFilesConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Applies the bad-file policy to what a pass saw: under {@code fail} any bad file stops the job with its
 * path and reason; under {@code skip} they are counted and listed in the log, and the job stops only
 * when their fraction exceeds {@code maxFraction}. Never a silent drop.
 */
public final class BadFileGate {
    private static final Logger LOG = LoggerFactory.getLogger(BadFileGate.class);

    private BadFileGate() {
    }

    /** Passes, or throws a {@link DataException} that says what is wrong and which setting governs it. */
    public static void check(LakeSummary summary, BadFilesConfig config, String reportLocation) {
        long bad = summary.badCount();
        if (bad == 0) {
            return;
        }
        long seen = summary.seenCount();
        double fraction = (double) bad / seen;
        List<BadFile> sample = summary.badFiles().subList(0, (int) Math.min(bad, config.listLimit()));
        String listing = list(sample);
        String more = bad > sample.size() ? "\n  ... and " + (bad - sample.size()) + " more" : "";
        String where = reportLocation == null ? "" : "\nEvery bad file is listed in " + reportLocation;
        if (config.policy() == BadFilePolicy.FAIL) {
            throw new DataException(bad + " bad file(s) of " + seen + " (data.badFiles.policy = fail):\n"
                    + listing + more + where
                    + "\nFix or remove them, or set data.badFiles.policy = skip to count and skip them.");
        }
        String percent = String.format("%.3f%%", 100 * fraction);
        if (fraction > config.maxFraction()) {
            throw new DataException(bad + " of " + seen + " files are bad (" + percent
                    + "), more than data.badFiles.maxFraction = " + config.maxFraction() + ":\n" + listing + more + where);
        }
        LOG.warn("Skipping {} bad file(s) of {} ({}, data.badFiles.policy = skip):\n{}{}{}", bad, seen, percent,
                listing, more, where);
    }

    private static String list(List<BadFile> sample) {
        return sample.stream().map(b -> "  " + b).collect(Collectors.joining("\n"));
    }
}
