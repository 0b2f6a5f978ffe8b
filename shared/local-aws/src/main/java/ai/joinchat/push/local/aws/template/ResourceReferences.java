package ai.joinchat.push.local.aws.template;

import java.util.Optional;

/** What {@code Ref} and {@code Fn::GetAtt} of a resource give: its physical id and attributes. */
public interface ResourceReferences {

    /** Resolves nothing: for reading a template before anything is provisioned. */
    ResourceReferences NONE = new ResourceReferences() {
        @Override
        public Optional<String> ref(String logicalId) {
            return Optional.empty();
        }

        @Override
        public Optional<String> attribute(String logicalId, String attribute) {
            return Optional.empty();
        }
    };

    /** {@code Ref} of a resource, empty if this resource is not known. */
    Optional<String> ref(String logicalId);

    /** {@code Fn::GetAtt} of a resource, empty if this resource or attribute is not known. */
    Optional<String> attribute(String logicalId, String attribute);
}
