package ai.joinchat.push.local.aws.template;

import java.util.Optional;

/** What {@code Ref} and {@code Fn::GetAtt} of a resource give: its physical id and attributes. */
@FunctionalInterface
public interface ResourceReferences {

    /** The attribute that stands for {@code Ref}: the resource's physical id. */
    String REF = "Ref";

    /** Resolves nothing: for reading a template before anything is provisioned. */
    ResourceReferences NONE = (logicalId, attribute) -> Optional.empty();

    /** {@code Fn::GetAtt} of a resource ({@code Ref} for {@value #REF}), empty if the resource or attribute is not known. */
    Optional<String> value(String logicalId, String attribute);
}
