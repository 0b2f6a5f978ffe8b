package ai.joinchat.push.local.aws.template;

import java.util.Optional;

/** A template parameter as declared: name, type ("String", "Number", ...) and default. */
public record TemplateParameter(String name, String type, Optional<String> defaultValue) {
}
