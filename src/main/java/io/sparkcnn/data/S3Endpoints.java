package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks that a bucket's S3 endpoint answers at all before S3A talks to it. S3A retries every request
 * (the AWS SDK's attempts times S3A's own retry policy), each waiting up to its 200 s socket timeout: right
 * for a store that is briefly slow, but an endpoint that never answers (a wrong host, a firewall dropping
 * packets) hangs a job silently for hours. One HTTP request with {@link #TIMEOUT_MILLIS} to connect and to
 * answer tells the two apart: any HTTP status, even 403, is an answer. An endpoint that answered is not
 * asked again by this JVM.
 */
public final class S3Endpoints {
    static final int TIMEOUT_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(S3Endpoints.class);
    private static final Set<String> ANSWERED = ConcurrentHashMap.newKeySet();

    private S3Endpoints() {
    }

    /** Passes when {@code bucket}'s endpoint answers HTTP; otherwise a {@link DataException} naming it. */
    public static void requireReachable(String bucket, Configuration conf) {
        String endpoint = endpoint(bucket, conf);
        if (ANSWERED.contains(endpoint)) {
            return;
        }
        long start = System.nanoTime();
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(endpoint).toURL().openConnection();
            http.setConnectTimeout(TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            http.setRequestMethod("HEAD");
            int status = http.getResponseCode();
            http.disconnect();
            LOG.debug("S3 endpoint {} answered HTTP {}", endpoint, status);
            ANSWERED.add(endpoint);
        } catch (IOException | IllegalArgumentException e) {
            throw new DataException(String.format(Locale.ROOT, "the S3 endpoint %s of bucket %s did not answer "
                            + "(%s after %.1f s; %d s allowed to connect and %d s to answer): check fs.s3a.endpoint "
                            + "(or fs.s3a.bucket.%s.endpoint) and that this host can reach it", endpoint, bucket, e,
                    (System.nanoTime() - start) / 1e9, TIMEOUT_MILLIS / 1000, TIMEOUT_MILLIS / 1000, bucket));
        }
    }

    /** The endpoint S3A uses for {@code bucket}: its per-bucket setting, the global one, or AWS's. */
    static String endpoint(String bucket, Configuration conf) {
        String endpoint = conf.getTrimmed("fs.s3a.bucket." + bucket + ".endpoint",
                conf.getTrimmed("fs.s3a.endpoint", ""));
        if (endpoint.isEmpty()) {
            endpoint = "s3.amazonaws.com";
        }
        if (!endpoint.contains("://")) {
            boolean ssl = conf.getBoolean("fs.s3a.bucket." + bucket + ".connection.ssl.enabled",
                    conf.getBoolean("fs.s3a.connection.ssl.enabled", true));
            endpoint = (ssl ? "https://" : "http://") + endpoint;
        }
        return endpoint;
    }
}
