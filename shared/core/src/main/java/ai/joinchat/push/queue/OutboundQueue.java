package ai.joinchat.push.queue;

/** The queue between the send API and the worker. */
public interface OutboundQueue {

    /**
     * Returns only once the queue accepted the message.
     *
     * @throws ai.joinchat.push.DependencyUnavailableException when it did not
     */
    void enqueue(QueuedMessage message, int delaySeconds);
}
