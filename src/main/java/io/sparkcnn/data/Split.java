package io.sparkcnn.data;

/** Which side of the train / held-out split a file is on. */
public enum Split { TRAIN, HELD_OUT }
