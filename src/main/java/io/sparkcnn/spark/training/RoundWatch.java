package io.sparkcnn.spark.training;

import org.apache.spark.SparkStageInfo;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a round's Spark job under a time limit (train.roundTimeoutSeconds). A listener keeps the tasks that
 * are running, so when the limit passes the job is cancelled and the error names the stage and each task
 * still running: its worker (partition), executor, host and how long it has run, instead of the job
 * waiting forever on a stuck executor. It also logs, as they happen, every failed task (with the reason
 * Spark gives) and every executor lost or added, so the driver log says what a retry was for.
 */
final class RoundWatch {
    private static final Logger LOG = LoggerFactory.getLogger(RoundWatch.class);
    /** A round that did not finish in time. */
    static final class RoundTimeoutException extends RuntimeException {
        RoundTimeoutException(String message) {
            super(message);
        }
    }

    private final JavaSparkContext sc;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final SparkListener listener;

    private record Running(int stage, TaskInfo task) {
    }

    RoundWatch(JavaSparkContext sc) {
        this.sc = sc;
        listener = new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart start) {
                running.put(start.taskInfo().taskId(), new Running(start.stageId(), start.taskInfo()));
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                TaskInfo t = end.taskInfo();
                running.remove(t.taskId());
                if (t.failed() || t.killed()) {
                    String why = end.reason() instanceof TaskFailedReason f ? f.toErrorString() : end.reason().toString();
                    LOG.warn("task {} (partition {}, attempt {}) of stage {} {} on executor {} at {}: {}", t.taskId(),
                            t.index(), t.attemptNumber(), end.stageId(), t.killed() ? "was killed" : "failed",
                            t.executorId(), t.host(), why.lines().findFirst().orElse(why)
                                    + (t.killed() ? "" : "; Spark runs it again, up to spark.task.maxFailures attempts"));
                }
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                LOG.warn("executor {} was lost ({}): Spark reruns its tasks on other executors, and the partitions "
                        + "it had decoded are decoded again from the lake where they are needed", removed.executorId(),
                        removed.reason());
            }

            @Override
            public void onExecutorAdded(SparkListenerExecutorAdded added) {
                LOG.info("executor {} joined on {}", added.executorId(), added.executorInfo().executorHost());
            }
        };
        sc.sc().addSparkListener(listener);
    }

    /** Stops listening. */
    void close() {
        sc.sc().removeSparkListener(listener);
        running.clear();
    }

    /**
     * Runs {@code job} (which submits Spark jobs) in its own job group and returns its result, or cancels
     * the group and fails naming what is stuck when it takes longer than {@code timeoutSeconds} (0: no limit).
     */
    <T> T run(String group, String what, int timeoutSeconds, Supplier<T> job) {
        CompletableFuture<T> future = CompletableFuture.supplyAsync(() -> {
            sc.setJobGroup(group, what, true);
            try {
                return job.get();
            } finally {
                sc.clearJobGroup();
            }
        });
        try {
            return timeoutSeconds == 0 ? future.get() : future.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            String stuck = describe(group);
            sc.cancelJobGroup(group);
            throw new RoundTimeoutException(what + " did not finish within train.roundTimeoutSeconds = "
                    + timeoutSeconds + " s and was cancelled. " + stuck + " Look at those executors (logs, "
                    + "GC, disk); raise train.roundTimeoutSeconds if rounds are legitimately this slow.");
        } catch (InterruptedException e) {
            sc.cancelJobGroup(group);
            Thread.currentThread().interrupt();
            throw new CancellationException(what + " interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private String describe(String group) {
        List<String> stages = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (int jobId : sc.statusTracker().getJobIdsForGroup(group)) {
            var job = sc.statusTracker().getJobInfo(jobId);
            if (job == null) {
                continue;
            }
            for (int stageId : job.stageIds()) {
                SparkStageInfo stage = sc.statusTracker().getStageInfo(stageId);
                if (stage == null || stage.numActiveTasks() == 0) {
                    continue;
                }
                List<String> tasks = new ArrayList<>();
                for (Running r : running.values()) {
                    if (r.stage() == stageId) {
                        tasks.add(String.format(Locale.ROOT, "task %d (worker %d, attempt %d) on executor %s at %s, "
                                        + "running %.0f s", r.task().taskId(), r.task().index(), r.task().attemptNumber(),
                                r.task().executorId(), r.task().host(), (now - r.task().launchTime()) / 1e3));
                    }
                }
                tasks.sort(null);
                stages.add(String.format(Locale.ROOT, "Stage %d (%s): %d of %d tasks done, still running: %s.",
                        stageId, stage.name(), stage.numCompletedTasks(), stage.numTasks(),
                        tasks.isEmpty() ? stage.numActiveTasks() + " tasks" : String.join("; ", tasks)));
            }
        }
        return stages.isEmpty() ? "No stage of it was running (waiting for executors?)." : String.join(" ", stages);
    }
}
