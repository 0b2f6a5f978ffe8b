package ai.joinchat.push.worker.batch;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.observability.JsonLogger;
import ai.joinchat.push.queue.QueuedMessage;
import ai.joinchat.push.worker.DeliveryPolicy;
import ai.joinchat.push.worker.delivery.DeliveryOutcome;
import ai.joinchat.push.worker.delivery.Disposition;
import ai.joinchat.push.worker.delivery.MessageDelivery;
import ai.joinchat.push.worker.delivery.MessageDelivery.Result;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Delivers the records of one SQS batch and carries out each one's {@link Disposition}. Groups (one recipient of one
 * page) run concurrently; a group's messages run in batch order, and once one is to come back the later ones are
 * handed back too (unless on their last receive), so a recipient never gets a later message first. Unreadable records
 * are left for the DLQ; records of the DLQ are recorded {@code failed}; nothing is started after {@code startBy}.
 * {@code executor} is bounded, so a batch cannot start more Graph calls than it has threads.
 */
public record SqsBatchProcessor(MessageDelivery delivery, Redelivery redelivery, ExecutorService executor,
                                DeliveryPolicy policy, String deadLetterQueueArn, JsonLogger logger) {

    /** When SQS hands a record back: sooner than the visibility timeout, or as a fresh copy. */
    public interface Redelivery {

        /** Makes this receive of the record visible again after {@code delay} (best effort). */
        void retryIn(SqsRecord record, Duration delay);

        /**
         * Puts {@code body} back on the queue with the record's attributes and a new receive count;
         * false when the queue did not take it. A duplicate is harmless: the record decides what is sent.
         */
        boolean requeue(SqsRecord record, String body, Duration delay);
    }

    /** The SQS message ids to report as {@code batchItemFailures}, in batch order. */
    public List<String> process(List<SqsRecord> records, Deadline startBy, Deadline invocation) {
        Result[] results = new Result[records.size()];
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        List<QueuedMessage> messages = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            SqsRecord record = records.get(i);
            QueuedMessage message = read(record);
            messages.add(message);
            if (deadLetterQueueArn.equals(record.eventSourceArn())) {
                results[i] = message != null ? delivery.recordDeadLettered(message, record.receiveCount(), invocation)
                        : delivery.recordUnreadable(record.queuedMessageId(), record.messageId(), record.receiveCount(),
                                invocation);
            } else if (message == null) {
                results[i] = new Result(DeliveryOutcome.UNREADABLE, new Disposition.DeadLetter());
            } else {
                groups.computeIfAbsent(message.pageId() + "|" + message.recipient().contactKey(),
                        k -> new ArrayList<>()).add(i);
            }
        }
        runGroups(groups.values(), group -> deliverInOrder(group, records, messages, results, startBy, invocation));
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Disposition disposition = results[i] != null ? results[i].disposition() // else interrupted or crashed
                    : Disposition.withoutAnswer(policy.lastReceive(records.get(i).receiveCount()),
                            DeliveryOutcome.ERROR);
            if (carryOut(records.get(i), messages.get(i), disposition, invocation)) {
                failures.add(records.get(i).messageId());
            }
        }
        return failures;
    }

    private void runGroups(Collection<List<Integer>> groups, Consumer<List<Integer>> deliver) {
        List<Future<?>> running = new ArrayList<>(groups.size());
        for (List<Integer> group : groups) {
            Runnable task = () -> deliver.accept(group);
            if (groups.size() == 1) {
                task.run();
                continue;
            }
            try {
                running.add(executor.submit(task));
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        for (Future<?> group : running) {
            try {
                group.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                logger.error("delivery_group_failed").with(e.getCause()).write();
            }
        }
    }

    /** True when the record is reported in {@code batchItemFailures}. */
    private boolean carryOut(SqsRecord record, QueuedMessage message, Disposition disposition, Deadline invocation) {
        if (disposition instanceof Disposition.Ack) {
            return false;
        }
        if (disposition instanceof Disposition.RetryIn retry) {
            redelivery.retryIn(record, retry.delay());
        } else if (disposition instanceof Disposition.Requeue requeue) {
            if (redelivery.requeue(record, requeue.copy().toJson(), requeue.delay())) {
                if (requeue.ifRefused() instanceof Disposition.GiveUp instead) { // instead of the dead-letter queue
                    instead.why().log(logger.info("message_requeued"), message, record.receiveCount()).write();
                }
                return false;
            }
            return carryOut(record, message, requeue.ifRefused(), invocation);
        } else if (disposition instanceof Disposition.GiveUp giveUp) {
            delivery.giveUp(message, giveUp.why(), invocation);
        }
        return true; // Retry and DeadLetter: handed back as they are
    }

    private void deliverInOrder(List<Integer> group, List<SqsRecord> records, List<QueuedMessage> messages,
                                Result[] results, Deadline startBy, Deadline invocation) {
        boolean held = false;
        Optional<Duration> throttledFor = Optional.empty();
        for (int index : group) {
            SqsRecord record = records.get(index);
            QueuedMessage message = messages.get(index);
            boolean last = policy.lastReceive(record.receiveCount());
            Result result;
            if (throttledFor.isPresent()) {
                // Behind a throttled message of the same recipient: back to the queue just after it.
                throttledFor = Optional.of(throttledFor.get().plusSeconds(1));
                result = skipped(record, message, DeliveryOutcome.THROTTLED,
                        Disposition.untilSlot(message, throttledFor.get()));
            } else if (held && !last) {
                result = skipped(record, message, DeliveryOutcome.HELD, new Disposition.Retry());
            } else if (startBy.expired() || invocation.expired()) {
                result = skipped(record, message, DeliveryOutcome.DEFERRED,
                        Disposition.unattempted(message, last, DeliveryOutcome.DEFERRED));
            } else {
                result = deliverOne(message, record, invocation);
                if (result.outcome() == DeliveryOutcome.THROTTLED
                        && result.disposition() instanceof Disposition.Requeue requeue) {
                    throttledFor = Optional.of(requeue.delay());
                }
            }
            results[index] = result;
            held |= result.disposition().comesBack();
        }
    }

    private Result deliverOne(QueuedMessage message, SqsRecord record, Deadline invocation) {
        try {
            return delivery.deliver(message, record.receiveCount(), invocation);
        } catch (RuntimeException e) {
            DeliveryOutcome.ERROR.log(logger.error("message_delivery"), message, record.receiveCount()).with(e)
                    .write();
            return new Result(DeliveryOutcome.ERROR,
                    Disposition.withoutAnswer(policy.lastReceive(record.receiveCount()), DeliveryOutcome.ERROR));
        }
    }

    private QueuedMessage read(SqsRecord record) {
        try {
            return QueuedMessage.fromJson(record.body());
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

    private Result skipped(SqsRecord record, QueuedMessage message, DeliveryOutcome outcome, Disposition disposition) {
        outcome.log(logger.info("message_delivery"), message, record.receiveCount())
                .with("recipient_type", message.recipient().type().wireName())
                .with("latency_ms", 0)
                .write();
        return new Result(outcome, disposition);
    }
}
