package io.sparkcnn.config;

/** The build's version, from the jar manifest ("dev" when run from classes), for the CLI and provenance. */
public final class BuildInfo {
    private BuildInfo() {
    }

    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
