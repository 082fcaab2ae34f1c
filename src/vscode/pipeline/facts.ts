import type { Store } from '../../core';
import { messageOf } from '../../core/errors';
import type { Facts, Pipeline } from '../../core/pipeline';
import { computeFacts } from '../../core/retrain';
import type { Log } from '../log';

/**
 * The trigger facts a manual Run Pipeline… plans with (the conditions of the steps read them): the current facts of
 * the pipeline's `model` (drift, monitored metrics, KPIs, data age), as `mlops pipeline run` reads them. None when the
 * pipeline names no model; facts that cannot be computed are logged and left unknown (conditions over them are false).
 */
export async function factsFor(store: Store, pipeline: Pipeline, log?: Log): Promise<Facts> {
  const model = pipeline.doc.model;
  if (!model) { return {}; }
  try {
    return await computeFacts(store, model);
  } catch (e) {
    log?.warn(`pipeline ${pipeline.name}: the facts of model '${model}' could not be computed (${messageOf(e)}); conditions over them are false`);
    return {};
  }
}
