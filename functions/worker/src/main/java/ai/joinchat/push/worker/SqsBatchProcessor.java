package ai.joinchat.push.worker;

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
 */
public final class SqsBatchProcessor {

    private final MessageDelivery delivery;
    private final ExecutorService executor;
    private final int maxReceiveCount;
    private final JsonLogger logger;

    /**
     * @param executor        shared by every batch of the container; bounded, so a batch cannot
     *                        start more Graph calls at once than it has threads
     * @param maxReceiveCount the queue's {@code maxReceiveCount}
     */
    public SqsBatchProcessor(MessageDelivery delivery, ExecutorService executor, int maxReceiveCount,
                             JsonLogger logger) {
        this.delivery = Objects.requireNonNull(delivery, "delivery");
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
        long deadline = timeBudget == null ? Long.MAX_VALUE : System.nanoTime() + timeBudget.toNanos();
        DeliveryOutcome[] outcomes = new DeliveryOutcome[records.size()];
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        List<QueuedMessage> messages = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            QueuedMessage message = read(records.get(i));
            messages.add(message);
            if (message == null) {
                outcomes[i] = DeliveryOutcome.UNREADABLE;
            } else {
                groups.computeIfAbsent(groupKey(message), k -> new ArrayList<>()).add(i);
            }
        }

        List<Map.Entry<List<Integer>, Future<?>>> running = new ArrayList<>(groups.size());
        for (List<Integer> group : groups.values()) {
            Runnable task = () -> deliverInOrder(group, records, messages, outcomes, deadline);
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
            DeliveryOutcome outcome = outcomes[i] == null ? DeliveryOutcome.ERROR : outcomes[i];
            if (outcome.batchItemFailure()) {
                failures.add(records.get(i).messageId());
            }
        }
        return failures;
    }

    private void deliverInOrder(List<Integer> group, List<SqsRecord> records, List<QueuedMessage> messages,
                                DeliveryOutcome[] outcomes, long deadline) {
        boolean held = false;
        for (int index : group) {
            SqsRecord record = records.get(index);
            QueuedMessage message = messages.get(index);
            DeliveryOutcome outcome;
            if (held && record.receiveCount() < maxReceiveCount) {
                outcome = DeliveryOutcome.HELD;
                logSkipped(message, record, outcome);
            } else if (System.nanoTime() > deadline) {
                outcome = DeliveryOutcome.DEFERRED;
                logSkipped(message, record, outcome);
            } else {
                outcome = deliverOne(message, record);
            }
            outcomes[index] = outcome;
            held |= outcome.holdsRecipient();
        }
    }

    private DeliveryOutcome deliverOne(QueuedMessage message, SqsRecord record) {
        try {
            return delivery.deliver(message, record.receiveCount());
        } catch (RuntimeException e) {
            logger.error("message_delivery")
                    .with("message_id", message.messageId())
                    .with("page_id", message.pageId())
                    .with("outcome", DeliveryOutcome.ERROR.wireName())
                    .with("attempt", record.receiveCount())
                    .with(e)
                    .write();
            return DeliveryOutcome.ERROR;
        }
    }

    private void awaitGroup(List<Integer> group, Future<?> future, DeliveryOutcome[] outcomes) {
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
                outcomes[index] = DeliveryOutcome.ERROR;
            }
        }
    }

    private QueuedMessage read(SqsRecord record) {
        try {
            QueuedMessage message = QueuedMessage.fromJson(record.body());
            if (message.recipientType() == null || message.recipientValue() == null) {
                throw new IllegalArgumentException("queued message has no recipient");
            }
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
                .with("recipient_type", message.recipientType())
                .with("outcome", outcome.wireName())
                .with("attempt", record.receiveCount())
                .with("latency_ms", 0)
                .write();
    }

    /** Messages with the same key go to the same person through the same page. */
    static String groupKey(QueuedMessage message) {
        return message.pageId() + "|" + message.recipientType() + ":" + message.recipientValue();
    }
}
