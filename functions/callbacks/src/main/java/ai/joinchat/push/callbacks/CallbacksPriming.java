package ai.joinchat.push.callbacks;

import ai.joinchat.push.callbacks.Dispatcher.QueuedCallback;
import ai.joinchat.push.config.Priming;
import ai.joinchat.push.json.Json;
import ai.joinchat.push.signature.CallbackSignature;

import java.util.List;

/**
 * SnapStart priming of the callbacks function, without any network call: reads a stream record
 * into an event, queues and reads it back, signs its body and writes a batch response.
 */
final class CallbacksPriming implements Priming {

    static final String SAMPLE_RECORD = """
            {"eventID":"prime","eventName":"MODIFY","eventSource":"aws:dynamodb","dynamodb":{"Keys":{"message_id":{"S":"m"}},\
            "NewImage":{"message_id":{"S":"m"},"page_id":{"S":"1"},"status":{"S":"failed"},"recipient_type":{"S":"id"},\
            "recipient_value":{"S":"2"},"attempts":{"N":"1"},"updated_at":{"S":"2026-01-01T00:00:00Z"},\
            "error":{"M":{"code":{"S":"100"},"subcode":{"N":"2018001"},"message":{"S":"x"},"retryable":{"BOOL":false}}}},\
            "OldImage":{"status":{"S":"sending"}},"SequenceNumber":"1","StreamViewType":"NEW_AND_OLD_IMAGES"}}""";

    @Override
    public List<String> run() {
        CallbackEvent event = CallbackEvent.fromStream(Json.parse(SAMPLE_RECORD)).orElseThrow();
        QueuedCallback queued = QueuedCallback.fromJson(QueuedCallback.first(event).toJson()).orElseThrow();
        byte[] key = CallbackSignature.key("whsec_cHJpbWUtcHJpbWUtcHJpbWUtcHJpbWU=").orElseThrow();
        CallbackSignature.header(queued.event().id(), 0, queued.event().body(), List.of(key));
        Json.batchResponse(List.of("prime"));
        return List.of(); // no AWS client at all
    }
}
