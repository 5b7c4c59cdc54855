/** Held-out metrics: accuracy, per-class precision / recall / F1, macro F1, confusion matrix, loss. */
package io.sparkcnn.eval;
