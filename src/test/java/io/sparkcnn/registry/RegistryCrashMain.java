package io.sparkcnn.registry;

import org.apache.hadoop.conf.Configuration;

import java.time.Duration;
import java.util.Map;

/**
 * Registers a model and promotes it, stopping dead at one step: prints "AT <step>" and sleeps until killed.
 * Run in its own JVM by {@link ModelRegistryTest}, which kills it there with SIGKILL.
 * Arguments: registry URI, model name, step.
 */
public final class RegistryCrashMain {
    private RegistryCrashMain() {
    }

    public static void main(String[] args) throws Exception {
        RegistryFaults.Step stopAt = RegistryFaults.Step.valueOf(args[2]);
        RegistryFaults faults = step -> {
            if (step == stopAt) {
                System.out.println("AT " + step);
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ModelRegistry registry = ModelRegistry.open(args[0], args[1], new Configuration(), faults);
        try (RegistryLock lock = registry.lock("crash test", Duration.ofHours(1))) {
            RegistryVersion v = registry.register(RegistryFixtures.model(7), RegistryFixtures.snapshot("x"),
                    Map.of("kind", "train"), lock);
            registry.promote(v.number(), "crash test", lock);
        }
        System.out.println("DONE");
    }
}
