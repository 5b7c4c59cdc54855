package io.sparkcnn.spark.gpu;

import org.apache.spark.SparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.Option;
import scala.collection.JavaConverters;

import java.util.OptionalInt;

/**
 * How many tasks GPU scheduling lets run at once: for every registered executor, its GPUs divided by
 * {@code spark.task.resource.gpu.amount} (a fraction below 1 shares a GPU between tasks). Empty when the job
 * does not ask for GPUs.
 */
public final class GpuSlots {
    public static final String TASK_AMOUNT = "spark.task.resource.gpu.amount";

    private GpuSlots() {
    }

    public static OptionalInt count(SparkContext sc) {
        double perTask = sc.getConf().getDouble(TASK_AMOUNT, 0);
        if (perTask <= 0) {
            return OptionalInt.empty();
        }
        int slots = 0;
        for (ExecutorSummary e : JavaConverters.seqAsJavaList(sc.statusStore().executorList(true))) {
            Option<ResourceInformation> gpus = e.resources().get("gpu");
            if (!"driver".equals(e.id()) && gpus.isDefined()) {
                slots += (int) Math.floor(gpus.get().addresses().length / perTask + 1e-9);
            }
        }
        return OptionalInt.of(slots);
    }
}
