package dev.searchsync.opensearch;

import java.util.List;

import org.opensearch.Version;
import org.opensearch.analysis.common.CommonAnalysisModulePlugin;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasModulePlugin;
import org.opensearch.index.reindex.ReindexModulePlugin;
import org.opensearch.join.ParentJoinModulePlugin;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessModulePlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.PluginInfo;
import org.opensearch.transport.Netty4ModulePlugin;

/**
 * OpenSearch 3.x: the distribution's modules as classpath plugins. 3.0 renamed the module classes
 * (FooPlugin became FooModulePlugin) and {@link Node}'s protected constructor now takes plugin
 * descriptors rather than classes, so each class is wrapped in a {@link PluginInfo} the way the
 * test framework's MockNode does.
 */
final class ClasspathModules {

    /** The modules we load. netty4 provides HTTP; mapper-extras provides search_as_you_type. */
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4ModulePlugin.class,
        CommonAnalysisModulePlugin.class,
        MapperExtrasModulePlugin.class,
        ReindexModulePlugin.class,
        PainlessModulePlugin.class,
        ParentJoinModulePlugin.class
    );

    private ClasspathModules() {}

    private static PluginInfo describe(Class<? extends Plugin> plugin) {
        return new PluginInfo(
            plugin.getName(),
            "classpath module",
            "NA",
            Version.CURRENT,
            "21",
            plugin.getName(),
            List.of(),
            false
        );
    }

    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env) {
            // third argument: forbidPrivateIndexSettings=true, as in a normal node
            super(env, PLUGINS.stream().map(ClasspathModules::describe).toList(), true);
        }
    }

    static Node node(Environment env) {
        return new EmbeddedNode(env);
    }
}
