package dev.searchsync.opensearch;

import java.util.List;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.join.ParentJoinPlugin;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * OpenSearch 2.x: the distribution's modules as classpath plugins, passed to {@link Node}'s protected
 * constructor as classes. (3.x renamed the module classes and takes plugin descriptors instead: see
 * src/opensearch-3.)
 */
final class ClasspathModules {

    /** The modules we load. netty4 provides HTTP; mapper-extras provides search_as_you_type. */
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        MapperExtrasPlugin.class,
        ReindexPlugin.class,
        PainlessPlugin.class,
        ParentJoinPlugin.class
    );

    private ClasspathModules() {}

    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env) {
            // third argument: forbidPrivateIndexSettings=true, as in a normal node
            super(env, PLUGINS, true);
        }
    }

    static Node node(Environment env) {
        return new EmbeddedNode(env);
    }
}
