package io.sparkcnn.spark.gpu;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.List;

/** The GPU addresses Spark's resource scheduling gave the running task (none outside GPU scheduling). */
public final class TaskGpus {
    private TaskGpus() {
    }

    public static List<String> current() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return List.of();
        }
        ResourceInformation gpus = task.resourcesJMap().get("gpu");
        return gpus == null ? List.of() : List.of(gpus.addresses());
    }
}
