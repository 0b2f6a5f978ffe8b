package ai.joinchat.push.queue;

import ai.joinchat.push.Deadline;

/** The queue between the send API and the worker. */
public interface OutboundQueue {

    /** Returns once the queue accepted the message; a failure does not prove it did not (a lost reply). */
    void enqueue(QueuedMessage message, int delaySeconds, Deadline deadline);
}
