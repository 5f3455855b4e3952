// The backend's JSON shapes, derived from the types generated from its OpenAPI document
// (./api/types.gen.ts: never edit it by hand). The loop's `api-contract` check regenerates them on
// every backend save, so the frontend is type-checked against what the backend really serves.
import type {
  ChatAction as ApiChatAction,
  ChatRequest,
  ChatResponse,
  ListTasksApiTasksGetData,
  LoginRequest,
  SignupRequest,
  TaskCreate,
  TaskList,
  TaskPublic,
  TaskUpdate,
  UserPublic,
} from './api';

export type User = UserPublic;
export type Task = TaskPublic;
export type TaskPage = TaskList;
/** The list's filter: the backend's `status` query values, plus "all" (no filter sent). */
export type StatusFilter = 'all' | NonNullable<NonNullable<ListTasksApiTasksGetData['query']>['status']>;
export type ChatAction = ApiChatAction;
export type ChatReply = ChatResponse;

// Request bodies, so a field the backend starts requiring fails the type check where it is sent.
export type NewTask = TaskCreate;
export type TaskChanges = TaskUpdate;
export type ChatMessage = ChatRequest;
export type Credentials = LoginRequest & SignupRequest;
