package dev.searchsync.opensearch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;

/**
 * Runs a real, single-node OpenSearch server from the Maven Central jars, without the
 * distribution tarball or Docker.
 *
 * <p>Usage: {@code java -cp ... dev.searchsync.opensearch.LocalNode <home-dir> [-Ekey=value ...]}
 *
 * <p>Why this works: the official distribution starts through {@code Bootstrap}, which installs a
 * security manager, runs JarHell, refuses to run as root and enforces production bootstrap checks.
 * None of that lives in {@link Node} itself, so constructing a {@code Node} subclass directly (what
 * OpenSearch's own test framework does with {@code MockNode}) gives a fully functional node. The
 * modules that the tarball loads from {@code modules/} are passed here as "classpath plugins"
 * instead, through {@code Node}'s protected constructor. That constructor and the modules' class
 * names differ between 2.x and 3.x: {@code ClasspathModules} is compiled from src/opensearch-2 or
 * src/opensearch-3 (pom.xml, {@code opensearch.major}).
 */
public final class LocalNode {

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LocalNode <home-dir> [-Ekey=value ...]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        Path config = home.resolve("config");
        Path logs = home.resolve("logs");
        // PluginsService scans these; they stay empty because our plugins come from the classpath.
        for (Path dir : List.of(config, logs, home.resolve("data"), home.resolve("plugins"), home.resolve("modules"))) {
            Files.createDirectories(dir);
        }
        writeLog4jConfig(config);

        Settings.Builder settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", logs.toString())
            .put("cluster.name", "search-sync-local")
            .put("node.name", "local-1")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "9200")
            // a dev box's disk may be fuller than the default watermarks allow
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            if (!arg.startsWith("-E") || eq < 0) {
                throw new IllegalArgumentException("expected -Ekey=value, got: " + arg);
            }
            settings.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Settings initial = settings.build();
        String nodeName = initial.get("node.name");

        Environment env = InternalSettingsPreparer.prepareEnvironment(initial, Map.of(), config, () -> nodeName);
        // Same order as Bootstrap: error listener first, then the node name used by log patterns, then config.
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configure(env);

        Node node = ClasspathModules.node(env);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM/SIGINT: close the node so shards are flushed and the data-dir lock is released.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "local-node-shutdown"));

        try {
            node.start();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("OpenSearch node started, http.port=" + initial.get("http.port") + ", home=" + home);
        // All of the node's threads are daemon threads: keep the JVM alive until shutdown.
        stopped.await();
    }

    /**
     * LogConfigurator.configure requires a log4j2*.properties file in the config dir. We log to a
     * file only (not stdout), keeping the script's node.log for launcher output and crashes.
     */
    private static void writeLog4jConfig(Path config) throws IOException {
        String props = String.join("\n",
            "status = error",
            "appender.file.type = RollingFile",
            "appender.file.name = file",
            "appender.file.fileName = ${sys:opensearch.logs.base_path}${sys:file.separator}${sys:opensearch.logs.cluster_name}.log",
            "appender.file.filePattern = ${sys:opensearch.logs.base_path}${sys:file.separator}${sys:opensearch.logs.cluster_name}-%i.log",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n",
            "appender.file.policies.type = Policies",
            "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
            "appender.file.policies.size.size = 64MB",
            "appender.file.strategy.type = DefaultRolloverStrategy",
            "appender.file.strategy.max = 2",
            "rootLogger.level = info",
            "rootLogger.appenderRef.file.ref = file",
            "");
        Files.writeString(config.resolve("log4j2.properties"), props, StandardCharsets.UTF_8);
    }
}
