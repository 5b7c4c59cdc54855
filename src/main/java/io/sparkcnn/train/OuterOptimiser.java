package io.sparkcnn.train;

/**
 * The driver's step on the merged parameters (SlowMo, Wang et al. 2020; DiLoCo, Douillard et al. 2023): the
 * change a round made, start minus the workers' mean, is an outer gradient g; with Nesterov momentum
 * v = momentum * v + g and the next start is start - rate * (g + momentum * v). Rate 1 and momentum 0 give the
 * plain mean, returned as computed so that plain averaging stays bit for bit what it was. The velocity is
 * the optimiser's whole state: checkpoints keep it.
 */
public final class OuterOptimiser {
    private final double rate;
    private final double momentum;
    private float[] velocity;

    public OuterOptimiser(double rate, double momentum) {
        this.rate = rate;
        this.momentum = momentum;
    }

    public boolean plain() {
        return rate == 1.0 && momentum == 0.0;
    }

    /** The parameters the next round starts from, given this round's start and the workers' mean. */
    public float[] step(float[] start, float[] mean) {
        if (plain()) {
            return mean;
        }
        if (velocity == null) {
            velocity = new float[start.length];
        }
        float[] next = new float[start.length];
        for (int i = 0; i < start.length; i++) {
            float g = start[i] - mean[i];
            velocity[i] = (float) (momentum * velocity[i] + g);
            next[i] = (float) (start[i] - rate * (g + momentum * velocity[i]));
        }
        return next;
    }

    /** The velocity (null before the first step and without momentum's use), for a checkpoint. */
    public float[] velocity() {
        return velocity == null ? null : velocity.clone();
    }

    /** Continues from a checkpoint's velocity (null: none yet). */
    public void restore(float[] saved) {
        velocity = saved == null ? null : saved.clone();
    }
}
