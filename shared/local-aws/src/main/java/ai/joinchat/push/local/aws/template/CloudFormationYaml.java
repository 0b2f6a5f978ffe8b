package ai.joinchat.push.local.aws.template;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads CloudFormation / SAM YAML. The short intrinsic forms ({@code !Ref X},
 * {@code !GetAtt A.B}, {@code !Sub ...}, ...) become their long JSON forms ({@code {"Ref": "X"}},
 * {@code {"Fn::GetAtt": ["A", "B"]}}, {@code {"Fn::Sub": ...}}), so the rest of the code sees one
 * shape. Every short form CloudFormation defines is read (whether or not {@link IntrinsicResolver}
 * can resolve it); any other tag is refused. Only plain YAML types and these tags are constructed
 * (SnakeYAML's SafeConstructor).
 */
final class CloudFormationYaml {

    /** The {@code Fn::} functions with a short form. */
    private static final List<String> FUNCTIONS = List.of("GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals",
            "Not", "And", "Or", "FindInMap", "ImportValue", "Base64", "GetAZs", "Cidr", "Transform");

    private CloudFormationYaml() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document = new Yaml(new IntrinsicConstructor(options)).load(yaml);
        if (!(document instanceof Map)) {
            throw new IllegalArgumentException("A template must be a YAML mapping");
        }
        return (Map<String, Object>) document;
    }

    private static final class IntrinsicConstructor extends SafeConstructor {

        IntrinsicConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new IntrinsicFunction("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new IntrinsicFunction("Condition"));
            FUNCTIONS.forEach(name -> yamlConstructors.put(new Tag("!" + name), new IntrinsicFunction("Fn::" + name)));
        }

        private final class IntrinsicFunction extends AbstractConstruct {

            private final String longName;

            IntrinsicFunction(String longName) {
                this.longName = longName;
            }

            @Override
            public Object construct(Node node) {
                Object argument = node instanceof ScalarNode scalar ? constructScalar(scalar)
                        : node instanceof SequenceNode sequence ? constructSequence(sequence)
                        : constructMapping((MappingNode) node);
                if ("Fn::GetAtt".equals(longName) && argument instanceof String dotted) {
                    argument = splitAttributeReference(dotted);
                }
                return Collections.singletonMap(longName, argument);
            }
        }
    }

    /** {@code "Resource.Attribute.Part"} becomes {@code ["Resource", "Attribute.Part"]}. */
    static List<String> splitAttributeReference(String dotted) {
        int dot = dotted.indexOf('.');
        if (dot <= 0 || dot == dotted.length() - 1) {
            throw new IllegalArgumentException("Fn::GetAtt needs Resource.Attribute, got: " + dotted);
        }
        return List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
    }
}
