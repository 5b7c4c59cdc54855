package io.sparkcnn.registry;

/**
 * Test hooks at the steps of a registry write, so a test can kill a job exactly there and check what the
 * registry looks like afterwards. {@link #NONE} in production.
 */
public interface RegistryFaults {
    RegistryFaults NONE = step -> { };

    /** The steps, in the order a register-and-promote passes them. */
    enum Step { VERSION_STAGED, VERSION_PUBLISHED, POINTER_STAGED, POINTER_PUBLISHED }

    void at(Step step);
}
