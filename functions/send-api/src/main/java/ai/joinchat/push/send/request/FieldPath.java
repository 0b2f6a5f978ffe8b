package ai.joinchat.push.send.request;

/** A JSON path without a leading {@code $}, e.g. {@code message.elements[0].buttons[1].title}. */
record FieldPath(String value) {

    static final FieldPath ROOT = new FieldPath("");

    FieldPath child(String name) {
        return new FieldPath(value.isEmpty() ? name : value + "." + name);
    }

    FieldPath index(int index) {
        return new FieldPath(value + "[" + index + "]");
    }

    @Override
    public String toString() {
        return value;
    }
}
