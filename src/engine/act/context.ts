import { AwsApi } from '../../aws/ports';
import { Action } from '../actions';

export interface ActContext {
  readonly api: AwsApi;
  readonly clusterArn: string;
  /** Each group's target image this round, written into a refusal record (a new target image is a new attempt). */
  readonly targetImages?: ReadonlyMap<string, string>;
  /** The round's clock (epoch ms) for records; absent: the process clock. */
  readonly now?: () => number;
}

/** The writes of one kind of action. */
export type Handler<K extends Action['kind']> = (context: ActContext, action: Extract<Action, { readonly kind: K }>) => Promise<void>;
