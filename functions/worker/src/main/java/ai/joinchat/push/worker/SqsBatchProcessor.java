package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Delivers the records of one SQS batch and answers which of them SQS must keep.
 *
 * <p>Records are grouped by recipient (page id, recipient {@code type:value}). Groups run
 * concurrently on the container's bounded executor; the messages of one group run one after the
 * other in batch order. Once a message of a group is to be retried, the group's later messages
 * are not attempted and are handed back to SQS too, so a recipient never gets a later message
 * before an earlier one. Exception: a held message on the last receive the queue allows is
 * attempted anyway, since holding it would dead-letter it without a single try.
 *
 * <p>A record whose body is not a queued message is handed back to SQS (it reaches the DLQ for
 * inspection). With a time budget, a message not started before the budget runs out is handed
 * back rather than risking the invocation's timeout in the middle of a send.
 *
 * <p>A record that must come back sooner than the queue's visibility timeout (the send API still
 * deciding, another invocation's lease ending) gets that visibility. On the last receive the
 * queue allows, a record that was never attempted goes back to the queue as a fresh copy instead
 * of the dead-letter queue, and one whose attempt failed without a Graph answer is recorded
 * {@code failed}, so no status says queued for a message nobody will attempt again.
 *
 * <p>A throttled message (or one its page's pace delays) goes back to the queue as a fresh copy
 * delayed until its slot, and this copy is acknowledged: throttling spends no receives. The later
 * messages of its group go back the same way, each a second later than the one before, so they
 * do not overtake it; other groups of the batch, other pages included, go on. When the queue does
 * not take the copy, the record is handed back to SQS with that visibility instead (never lost).
 */
public final class SqsBatchProcessor {

    private final MessageDelivery delivery;
    private final Redelivery redelivery;
    private final ExecutorService executor;
    private final int maxReceiveCount;
    private final String deadLetterQueueArn;
    private final JsonLogger logger;

    /**
     * @param executor        shared by every batch of the container; bounded, so a batch cannot
     *                        start more Graph calls at once than it has threads
     * @param maxReceiveCount the queue's {@code maxReceiveCount}
     */
    public SqsBatchProcessor(MessageDelivery delivery, Redelivery redelivery, ExecutorService executor,
                             int maxReceiveCount, JsonLogger logger) {
        this(delivery, redelivery, executor, maxReceiveCount, null, logger);
    }

    /**
     * @param deadLetterQueueArn the dead-letter queue, whose records (the worker's second event
     *                           source) are recorded {@code failed} instead of delivered; null for none
     */
    public SqsBatchProcessor(MessageDelivery delivery, Redelivery redelivery, ExecutorService executor,
                             int maxReceiveCount, String deadLetterQueueArn, JsonLogger logger) {
        this.deadLetterQueueArn = deadLetterQueueArn;
        this.delivery = Objects.requireNonNull(delivery, "delivery");
        this.redelivery = Objects.requireNonNull(redelivery, "redelivery");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.maxReceiveCount = maxReceiveCount;
        this.logger = Objects.requireNonNull(logger, "logger");
    }

    /**
     * @param records    the batch, in SQS order
     * @param timeBudget how long new messages may still be started, or null for no limit
     * @return the SQS message ids to report as {@code batchItemFailures}, in batch order
     */
    public List<String> process(List<SqsRecord> records, Duration timeBudget) {
        return process(records, timeBudget, Deadline.none());
    }

    /**
     * @param invocation the invocation's deadline, which every call of every delivery keeps
     */
    public List<String> process(List<SqsRecord> records, Duration timeBudget, Deadline invocation) {
        long deadline = timeBudget == null ? Long.MAX_VALUE : System.nanoTime() + timeBudget.toNanos();
        MessageDelivery.Result[] outcomes = new MessageDelivery.Result[records.size()];
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        List<QueuedMessage> messages = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            QueuedMessage message = read(records.get(i));
            messages.add(message);
            if (isDeadLetter(records.get(i))) {
                // Already out of the retry cycle: record it failed, never send it.
                outcomes[i] = MessageDelivery.Result.of(message == null
                        ? delivery.recordUnreadableDeadLetter(records.get(i).queuedMessageId(),
                                records.get(i).messageId(), records.get(i).receiveCount(), invocation)
                        : delivery.recordDeadLettered(message, records.get(i).receiveCount(), invocation));
            } else if (message == null) {
                outcomes[i] = MessageDelivery.Result.of(DeliveryOutcome.UNREADABLE);
            } else {
                groups.computeIfAbsent(groupKey(message), k -> new ArrayList<>()).add(i);
            }
        }

        List<Map.Entry<List<Integer>, Future<?>>> running = new ArrayList<>(groups.size());
        for (List<Integer> group : groups.values()) {
            Runnable task = () -> deliverInOrder(group, records, messages, outcomes, deadline, invocation);
            if (groups.size() == 1) {
                task.run();
                continue;
            }
            try {
                running.add(Map.entry(group, executor.submit(task)));
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        for (Map.Entry<List<Integer>, Future<?>> entry : running) {
            awaitGroup(entry.getKey(), entry.getValue(), outcomes);
        }

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            MessageDelivery.Result result = outcomes[i] == null
                    ? MessageDelivery.Result.of(DeliveryOutcome.ERROR) : outcomes[i];
            if (afterwards(records.get(i), messages.get(i), result, invocation).batchItemFailure()) {
                failures.add(records.get(i).messageId());
            }
        }
        return failures;
    }

    private boolean isDeadLetter(SqsRecord record) {
        return deadLetterQueueArn != null && deadLetterQueueArn.equals(record.eventSourceArn());
    }

    /** What SQS is told, once the rest of the batch is done: sooner visibility, a fresh copy, or a final record. */
    private DeliveryOutcome afterwards(SqsRecord record, QueuedMessage message, MessageDelivery.Result result,
                                       Deadline invocation) {
        DeliveryOutcome outcome = result.outcome();
        if (!outcome.batchItemFailure() || message == null || isDeadLetter(record)) {
            return outcome;
        }
        boolean lastReceive = record.receiveCount() >= maxReceiveCount;
        Duration delay = result.retryIn() == null ? Duration.ZERO : result.retryIn();
        if (outcome == DeliveryOutcome.THROTTLED && result.requeueAs() != null) {
            if (redelivery.requeue(record, result.requeueAs().toJson(), delay)) {
                return DeliveryOutcome.REQUEUED;
            }
            redelivery.retryIn(record, delay);
            return outcome;
        }
        if (lastReceive && outcome.unattempted()) {
            if (redelivery.requeue(record, delay)) {
                logger.info("message_requeued").with("message_id", message.messageId())
                        .with("page_id", message.pageId()).with("outcome", outcome.wireName())
                        .with("attempt", record.receiveCount()).write();
                return DeliveryOutcome.REQUEUED;
            }
            delivery.giveUp(message, outcome, invocation);
            return outcome;
        }
        if (lastReceive && (outcome == DeliveryOutcome.DEPENDENCY_UNAVAILABLE || outcome == DeliveryOutcome.ERROR)) {
            delivery.giveUp(message, outcome, invocation);
            return outcome;
        }
        if (result.retryIn() != null) {
            redelivery.retryIn(record, result.retryIn());
        }
        return outcome;
    }

    private void deliverInOrder(List<Integer> group, List<SqsRecord> records, List<QueuedMessage> messages,
                                MessageDelivery.Result[] outcomes, long deadline, Deadline invocation) {
        boolean held = false;
        Duration throttledFor = null;
        for (int index : group) {
            SqsRecord record = records.get(index);
            QueuedMessage message = messages.get(index);
            MessageDelivery.Result result;
            if (throttledFor != null) {
                // Behind a throttled message of the same recipient: back to the queue just after it.
                throttledFor = throttledFor.plusSeconds(1);
                result = new MessageDelivery.Result(DeliveryOutcome.THROTTLED, throttledFor, message);
                logSkipped(message, record, result.outcome());
            } else if (held && record.receiveCount() < maxReceiveCount) {
                result = MessageDelivery.Result.of(DeliveryOutcome.HELD);
                logSkipped(message, record, result.outcome());
            } else if (System.nanoTime() > deadline || invocation.expired()) {
                result = MessageDelivery.Result.of(DeliveryOutcome.DEFERRED);
                logSkipped(message, record, result.outcome());
            } else {
                result = deliverOne(message, record, invocation);
            }
            outcomes[index] = result;
            if (result.outcome() == DeliveryOutcome.THROTTLED && throttledFor == null) {
                throttledFor = result.retryIn() == null ? Duration.ZERO : result.retryIn();
            }
            held |= result.outcome().holdsRecipient();
        }
    }

    private MessageDelivery.Result deliverOne(QueuedMessage message, SqsRecord record, Deadline invocation) {
        try {
            return delivery.deliver(message, record.receiveCount(), invocation);
        } catch (RuntimeException e) {
            logger.error("message_delivery")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with("outcome", DeliveryOutcome.ERROR.wireName())
                    .with("attempt", record.receiveCount())
                    .with(e)
                    .write();
            return MessageDelivery.Result.of(DeliveryOutcome.ERROR);
        }
    }

    private void awaitGroup(List<Integer> group, Future<?> future, MessageDelivery.Result[] outcomes) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            logger.error("delivery_group_failed").with(e.getCause()).write();
        }
        // Anything the group did not settle (interrupted, crashed) is handed back to SQS.
        for (int index : group) {
            if (outcomes[index] == null) {
                outcomes[index] = MessageDelivery.Result.of(DeliveryOutcome.ERROR);
            }
        }
    }

    private QueuedMessage read(SqsRecord record) {
        try {
            QueuedMessage message = QueuedMessage.fromJson(record.body());
            return message;
        } catch (RuntimeException e) {
            logger.error("unreadable_message")
                    .with("sqs_message_id", record.messageId())
                    .with("outcome", DeliveryOutcome.UNREADABLE.wireName())
                    .with("attempt", record.receiveCount())
                    .with("body_length", record.body().length())
                    .with("error_type", e.getClass().getName())
                    .write();
            return null;
        }
    }

    private void logSkipped(QueuedMessage message, SqsRecord record, DeliveryOutcome outcome) {
        logger.info("message_delivery")
                .with("message_id", message.messageId())
                .with("page_id", message.pageId())
                .with("recipient_type", message.recipient().type().wireName())
                .with("outcome", outcome.wireName())
                .with("attempt", record.receiveCount())
                .with("latency_ms", 0)
                .write();
    }

    /** Messages with the same key go to the same person through the same page. */
    static String groupKey(QueuedMessage message) {
        return message.pageId() + "|" + message.recipient().contactKey();
    }
}
