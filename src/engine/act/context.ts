import { AwsApi } from '../../aws/ports';
import { Action } from '../actions';

export interface ActContext {
  readonly api: AwsApi;
  readonly clusterArn: string;
}

/** The writes of one kind of action. */
export type Handler<K extends Action['kind']> = (context: ActContext, action: Extract<Action, { readonly kind: K }>) => Promise<void>;
