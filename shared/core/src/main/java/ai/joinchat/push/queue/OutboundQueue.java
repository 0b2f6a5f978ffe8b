package ai.joinchat.push.queue;

import ai.joinchat.push.Deadline;

/** The queue between the send API and the worker. */
public interface OutboundQueue {

    /**
     * Returns only once the queue accepted the message. A failure does not prove the queue did
     * not store it (the reply may have been lost): the commit protocol makes that harmless.
     *
     * @throws ai.joinchat.push.DependencyUnavailableException when it did not answer with success
     *                                                         by the deadline
     */
    void enqueue(QueuedMessage message, int delaySeconds, Deadline deadline);
}
