/**
 * A learner's whole journey through the Gigsy API, typed end to end from the generated schema.
 *
 * It is compiled (tsc --strict, no emit) by `make test`; it is not run. When a serializer or a
 * schema declaration changes, the regenerated src/schema.d.ts changes, and this file stops
 * compiling wherever a screen would have broken. No casts, no escape hatches from the type
 * system: if a call cannot be written here without one, the schema is wrong.
 */
import { createGigsyClient, GigsyApiError, type ErrorCode, type ErrorEnvelope } from "./client";
import type { components, GigsyClient } from "./client";

type Schemas = components["schemas"];

/** The success body, or a typed exception carrying the error envelope. */
function ok<T>(result: { data?: T; error?: ErrorEnvelope; response: Response }): T {
  if (result.error !== undefined) {
    throw new GigsyApiError(result.response.status, result.error);
  }
  if (result.data === undefined) {
    throw new Error(`${result.response.url}: ${result.response.status} without a body`);
  }
  return result.data;
}

/** A signed-in client: every request carries the current access token. */
class Session {
  tokens: Schemas["TokenPairOutput"];
  readonly api: GigsyClient;

  constructor(baseUrl: string, tokens: Schemas["TokenPairOutput"]) {
    this.tokens = tokens;
    this.api = createGigsyClient({ baseUrl, accessToken: () => this.tokens.access });
  }
}

// --- accounts ------------------------------------------------------------------------------------
async function register(api: GigsyClient, email: string, password: string): Promise<Schemas["UserOutput"]> {
  // `timezone` has a server-side default, so it may be left out.
  const user = ok(
    await api.POST("/api/v1/auth/register", {
      body: { email, password, display_name: "Ada", role: "learner" },
    }),
  );
  const roles: Schemas["RoleEnum"][] = user.roles;
  console.log(`registered ${user.email} (${roles.join(", ")}, ${user.timezone}) as user ${user.id}`);
  return user;
}

async function logIn(api: GigsyClient, baseUrl: string, email: string, password: string): Promise<Session> {
  const tokens = ok(await api.POST("/api/v1/auth/token", { body: { email, password } }));
  const session = new Session(baseUrl, tokens);
  const me = ok(await session.api.GET("/api/v1/auth/me"));
  console.log(`signed in as ${me.display_name}, staff: ${me.is_staff}`);
  return session;
}

async function refresh(session: Session): Promise<void> {
  // The old refresh token is spent: keep the new pair.
  session.tokens = ok(
    await session.api.POST("/api/v1/auth/token/refresh", { body: { refresh: session.tokens.refresh } }),
  );
}

/** The error branch: a wrong password is a 401 whose envelope names the reason. */
async function failedLogIn(api: GigsyClient, email: string): Promise<ErrorCode | null> {
  const { data, error, response } = await api.POST("/api/v1/auth/token", {
    body: { email, password: "not the password" },
  });
  if (data !== undefined) {
    return null;
  }
  const code: ErrorCode = error.error.code;
  switch (code) {
    case "no_active_account":
      console.log(`login refused (${response.status}): ${error.error.message}`);
      break;
    case "throttled":
      console.log(`too many attempts, retry after ${response.headers.get("Retry-After") ?? "?"} s`);
      break;
    case "validation_error":
      for (const [field, messages] of Object.entries(error.error.fields ?? {})) {
        console.log(`${field}: ${messages.join(" ")}`);
      }
      break;
    default:
      console.log(`login failed: ${code}`);
  }
  return code;
}

/**
 * Where the journey reads its mail: the `token` query parameter of the latest link sent to an
 * address (in development, var/mail/ or the dev inbox; in a test, the outbox).
 */
export type Inbox = (email: string, path: "/verify-email" | "/reset-password") => Promise<string>;

/** The sign-up's emailed link verifies the address; until then gigs are closed to the account. */
async function verifyEmail(session: Session, inbox: Inbox, email: string): Promise<void> {
  const before = ok(await session.api.GET("/api/v1/auth/me"));
  if (before.email_verified) {
    return;
  }
  const token = await inbox(email, "/verify-email");
  const { error, response } = await session.api.POST("/api/v1/auth/email/verify", { body: { token } });
  if (error !== undefined) {
    // An expired or used link: ask for a new one (throttled per account).
    const code: ErrorCode = error.error.code;
    console.log(`verification refused (${response.status}, ${code}); sending a new link`);
    const resent = ok(await session.api.POST("/api/v1/auth/email/verify/resend"));
    console.log(resent.detail);
    ok(await session.api.POST("/api/v1/auth/email/verify", { body: { token: await inbox(email, "/verify-email") } }));
  }
  const after = ok(await session.api.GET("/api/v1/auth/me"));
  console.log(`${after.email} verified: ${after.email_verified}`);
}

/** A forgotten password: the same 202 whatever the address, then the emailed token sets a new one. */
async function resetPassword(api: GigsyClient, inbox: Inbox, email: string, newPassword: string): Promise<void> {
  const accepted = ok(await api.POST("/api/v1/auth/password/reset", { body: { email } }));
  console.log(accepted.detail);
  const token = await inbox(email, "/reset-password");
  const { error } = await api.POST("/api/v1/auth/password/reset/confirm", {
    body: { token, new_password: newPassword },
  });
  if (error !== undefined) {
    const code: ErrorCode = error.error.code;
    console.log(`reset refused: ${code} ${error.error.message}`);
  }
}

/**
 * Roles are a set: a learner who wants to hire becomes a client at once; teaching waits for an
 * operator (`requested_roles`), and a request can be withdrawn. The next request's permission
 * checks see the change; the next token's `roles` claim carries it.
 */
async function addRoles(session: Session): Promise<Schemas["UserOutput"]> {
  const hiring = ok(await session.api.POST("/api/v1/auth/roles", { body: { role: "client" } }));
  const held: Schemas["RoleEnum"][] = hiring.roles;
  console.log(`roles held: ${held.join(", ")}`);
  const teaching = ok(await session.api.POST("/api/v1/auth/roles", { body: { role: "instructor" } }));
  const waiting: Schemas["RoleEnum"][] = teaching.requested_roles;
  console.log(`waiting for an operator: ${waiting.join(", ") || "nothing"}`);
  await refresh(session);
  const { data, error } = await session.api.DELETE("/api/v1/auth/roles/{role}", {
    params: { path: { role: "instructor" } },
  });
  if (error !== undefined) {
    // 404 role_not_held (neither held nor asked for), 409 last_role (the account's only role).
    const code: ErrorCode = error.error.code;
    console.log(`request not withdrawn: ${code}`);
    return teaching;
  }
  console.log(`withdrawn; still asking for: ${data.requested_roles.join(", ") || "nothing"}`);
  return data;
}

/** Signed in on a second device: list the live sessions and end every one but this. */
async function endOtherSessions(session: Session, anonymous: GigsyClient, email: string, password: string): Promise<void> {
  const phone = ok(await anonymous.POST("/api/v1/auth/token", { body: { email, password } }));
  const sessions: Schemas["PaginatedSessionOutputList"] = ok(
    await session.api.GET("/api/v1/auth/sessions", { params: { query: { page: 1 } } }),
  );
  for (const live of sessions.results) {
    const where = live.network === "" ? "an unknown network" : live.network;
    const mark = live.current ? " (this one)" : "";
    console.log(`${live.device_label} from ${where}, since ${live.created_at}, last used ${live.last_used_at}${mark}`);
  }
  for (const other of sessions.results.filter((live) => !live.current)) {
    const { error, response } = await session.api.DELETE("/api/v1/auth/sessions/{session_id}", {
      params: { path: { session_id: other.id } },
    });
    if (error !== undefined) {
      // 404: ended meanwhile (or not mine): nothing left to do.
      const code: ErrorCode = error.error.code;
      console.log(`${other.device_label}: ${code}`);
    } else {
      console.log(`ended ${other.device_label} (${response.status})`);
    }
  }
  // The ended session's refresh token stops at once (its access token within minutes).
  const { error } = await anonymous.POST("/api/v1/auth/token/refresh", { body: { refresh: phone.refresh } });
  const outcome: ErrorCode | "still refreshes" = error?.error.code ?? "still refreshes";
  console.log(`the other device's refresh token: ${outcome}`);
}

// --- catalog -------------------------------------------------------------------------------------
/** The catalog's filter: skills of published courses, with how many courses teach each. */
async function skillsForFilter(api: GigsyClient): Promise<Schemas["SkillOutput"][]> {
  const skills = ok(await api.GET("/api/v1/lms/skills", { params: { query: { page: 1 } } }));
  for (const skill of skills.results) {
    console.log(`${skill.slug} (${skill.course_count})`);
  }
  return skills.results;
}

type CatalogPage = Schemas["PaginatedCourseListOutputList"];

async function browseCatalog(api: GigsyClient, skill: string): Promise<Schemas["CourseListOutput"][]> {
  const level: Schemas["LevelEnum"] = "beginner";
  const courses: Schemas["CourseListOutput"][] = [];
  // `q` matches whole words and the last word as a prefix: "reac" finds "React".
  for (let page = 1; ; page += 1) {
    const body: CatalogPage = ok(
      await api.GET("/api/v1/lms/courses", { params: { query: { skill, level, q: "reac", page } } }),
    );
    courses.push(...body.results);
    console.log(`page ${page}: ${body.results.length} of ${body.count} courses`);
    if (body.next === null) {
      return courses;
    }
  }
}

async function openCourse(api: GigsyClient, slug: string): Promise<Schemas["CoursePageOutput"]> {
  const course = ok(await api.GET("/api/v1/lms/courses/{slug}", { params: { path: { slug } } }));
  const published: string = course.published_at ?? "draft";
  const state: Schemas["CourseStatusEnum"] = course.status;
  // Never paginated: a course has at most 10 instructors (maxItems in the schema).
  const teachers = course.instructors.map((instructor) => instructor.display_name).join(", ");
  console.log(`${course.title} (${course.level}, ${state} ${published}) by ${teachers}`);
  console.log(`${course.module_count} modules, ${course.lesson_count} lessons, ${course.quiz_count} quizzes`);
  const mine = course.my_enrollment;
  const enrolled: Schemas["EnrollmentStatusEnum"] | "not enrolled" = mine?.status ?? "not enrolled";
  console.log(mine === null ? enrolled : `${enrolled}, ${mine.percent}% done`);
  return course;
}

// --- learning ------------------------------------------------------------------------------------
async function enroll(api: GigsyClient, slug: string): Promise<Schemas["EnrollmentOutput"]> {
  const { data, error, response } = await api.POST("/api/v1/lms/courses/{slug}/enrollment", {
    params: { path: { slug } },
  });
  if (error !== undefined) {
    if (error.error.code === "prerequisites_missing") {
      console.log(`finish the prerequisites first: ${error.error.message}`);
    }
    throw new GigsyApiError(response.status, error);
  }
  console.log(response.status === 201 ? "enrolled" : "already enrolled");
  return data;
}

async function readAndCompleteLessons(
  api: GigsyClient,
  course: Schemas["CoursePageOutput"],
): Promise<Schemas["ProgressOutput"] | null> {
  let progress: Schemas["ProgressOutput"] | null = null;
  for (const module of course.modules) {
    for (const outline of module.lessons) {
      const lesson = ok(
        await api.GET("/api/v1/lms/lessons/{lesson_id}", { params: { path: { lesson_id: outline.id } } }),
      );
      // media_url is an absolute, short-lived link: an <a href> or <video src> opens it as is.
      const media: string = lesson.media_url ?? lesson.video_url;
      const kind: Schemas["LessonKindEnum"] = lesson.kind;
      console.log(`lesson ${lesson.position}: ${lesson.title} [${kind}] ${media}`);
      progress = ok(
        await api.POST("/api/v1/lms/lessons/{lesson_id}/complete", {
          params: { path: { lesson_id: lesson.id } },
        }),
      );
      console.log(`${progress.percent}% done, resume at ${progress.resume_lesson_id ?? "the end"}`);
    }
  }
  return progress;
}

type AttemptQuestion = Schemas["AttemptQuestionOutput"];
type SubmittedAnswers = Schemas["SubmitInputRequest"]["answers"];
/** One answer as the schema types it: `string | string[] | boolean`. */
type SubmittedAnswer = SubmittedAnswers[string];

/** What a learner would pick: each kind of question has its own answer shape. */
function answerFor(question: AttemptQuestion): SubmittedAnswer {
  switch (question.kind) {
    case "single":
      return question.choices[0]?.id ?? "";
    case "multiple":
      return question.choices.map((choice) => choice.id);
    case "true_false":
      return true;
    case "short":
      return "React";
  }
}

/** What the review says about one question, in that question's own terms. */
function reviewLine(question: AttemptQuestion): string {
  const earned = `${question.points_earned ?? 0}/${question.points}`;
  switch (question.kind) {
    case "single":
    case "short":
      return `${question.prompt}: you said ${question.your_answer ?? "nothing"} (${earned})`;
    case "multiple":
      return `${question.prompt}: you picked ${(question.your_answer ?? []).join(", ")} (${earned})`;
    case "true_false":
      return `${question.prompt}: right answer ${String(question.answer)} (${earned})`;
  }
}

async function takeQuiz(api: GigsyClient, quizId: number): Promise<Schemas["AttemptDetailOutput"] | null> {
  // The quiz page, in one call and without spending an attempt.
  const quiz = ok(
    await api.GET("/api/v1/lms/quizzes/{quiz_id}/status", { params: { path: { quiz_id: quizId } } }),
  );
  const left: string = quiz.attempts_left === null ? "unlimited" : String(quiz.attempts_left);
  console.log(`${quiz.title}: ${quiz.question_count} questions, pass at ${quiz.pass_mark_percent}%`);
  console.log(`attempts used ${quiz.attempts_used}, left ${left}, best ${quiz.best_score_percent ?? "-"}`);
  if (!quiz.can_start) {
    return null;
  }
  const started = await api.POST("/api/v1/lms/quizzes/{quiz_id}/attempts", {
    params: { path: { quiz_id: quizId } },
  });
  const attempt = ok(started);
  // 201: a new attempt (its timer starts now); 200: the open one, resumed (quiz.open_attempt).
  const verb = started.response.status === 201 ? "started" : "resumed";
  console.log(`${verb} attempt ${attempt.number}, due ${attempt.deadline ?? "whenever"}`);
  const answers: SubmittedAnswers = {};
  for (const question of attempt.questions) {
    answers[String(question.id)] = answerFor(question);
  }
  const review = ok(
    await api.POST("/api/v1/lms/attempts/{attempt_id}/submit", {
      params: { path: { attempt_id: attempt.id } },
      body: { answers },
    }),
  );
  for (const question of review.questions) {
    console.log(reviewLine(question));
  }
  console.log(`score ${review.score_percent ?? "-"}%, passed: ${review.passed === true}`);
  const history = ok(
    await api.GET("/api/v1/lms/quizzes/{quiz_id}/attempts", { params: { path: { quiz_id: quizId } } }),
  );
  console.log(`${history.count} attempts so far`);
  return review;
}

async function readProgress(api: GigsyClient, slug: string): Promise<Schemas["ProgressOutput"]> {
  const progress = ok(await api.GET("/api/v1/lms/courses/{slug}/progress", { params: { path: { slug } } }));
  console.log(`complete: ${progress.complete}, passed quizzes: ${progress.passed_quiz_ids.join(", ")}`);
  // "My learning": every enrollment with its percent, in one call per page.
  const enrollments = ok(await api.GET("/api/v1/lms/enrollments", { params: { query: { page: 1 } } }));
  for (const enrollment of enrollments.results) {
    const level: Schemas["LevelEnum"] = enrollment.course_level;
    const state: Schemas["EnrollmentStatusEnum"] = enrollment.status;
    console.log(`${enrollment.course_title} (${level}): ${state}, ${enrollment.percent}%`);
  }
  return progress;
}

// --- certificates --------------------------------------------------------------------------------
async function listCertificates(api: GigsyClient): Promise<Schemas["CertificateOutput"][]> {
  const certificates: Schemas["CertificateOutput"][] = [];
  // A page like every list, newest first.
  for (let page = 1; ; page += 1) {
    const body: Schemas["PaginatedCertificateOutputList"] = ok(
      await api.GET("/api/v1/certificates", { params: { query: { page } } }),
    );
    for (const certificate of body.results) {
      // An absolute link valid for minutes, opening without the Authorization header.
      const pdf: string = certificate.pdf_url ?? "(no PDF: rendering, or revoked)";
      console.log(`${certificate.course_title}, issued ${certificate.issued_at}: ${pdf}`);
    }
    certificates.push(...body.results);
    if (body.next === null) {
      return certificates;
    }
  }
}

type Verification = Schemas["VerificationOutput"]["status"];

/** Anyone, signed in or not, can check a certificate's code. */
async function verify(baseUrl: string, code: string): Promise<Verification | null> {
  const anonymous = createGigsyClient({ baseUrl });
  const { data, error } = await anonymous.GET("/api/v1/certificates/verify/{code}", {
    params: { path: { code } },
  });
  if (error !== undefined) {
    const notFound: boolean = error.error.code === "not_found";
    console.log(notFound ? "no such certificate" : error.error.message);
    return null;
  }
  const status: Verification = data.status;
  console.log(`${data.learner_name} completed ${data.course_title} on ${data.issued_at}: ${status}`);
  return status;
}

// --- the gig marketplace: the client's path and the freelancer's ------------------------------
type GigPage = Schemas["GigPageOutput"];
type Application = Schemas["ApplicationOutput"];
type Milestone = Schemas["MilestoneOutput"];

/** The client posts a draft (a verified client: 403 `role_required` or `email_not_verified`
 * otherwise) and publishes it: only an open gig is on the marketplace. */
async function postGig(client: Session, skill: string): Promise<GigPage> {
  const deadline = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const { data, error, response } = await client.api.POST("/api/v1/gigs", {
    body: {
      title: "Build a booking page",
      description: "A page where **customers** book a table.",
      skills: [skill],
      budget_amount: 60_000, // minor units: 600.00 USD
      currency: "USD",
      deadline,
    },
  });
  if (error !== undefined) {
    const code: ErrorCode = error.error.code;
    if (code === "role_required" || code === "email_not_verified") {
      console.log(`cannot post yet: ${error.error.message}`);
    }
    throw new GigsyApiError(response.status, error);
  }
  const draft: Schemas["GigStatusEnum"] = data.status;
  console.log(`gig ${data.id} saved as ${draft}`);
  const open = ok(await client.api.POST("/api/v1/gigs/{gig_id}/publish", { params: { path: { gig_id: data.id } } }));
  console.log(`gig ${open.id} is ${open.status} since ${open.published_at ?? "?"}`);
  return open;
}

/** The freelancer browses open gigs by skill, opens one and applies; applying twice is a typed
 * 409 `already_applied`, a blocked applicant a 403 `applicant_blocked`. */
async function findAndApply(freelancer: Session, skill: string): Promise<Application | null> {
  const page = ok(await freelancer.api.GET("/api/v1/gigs", { params: { query: { skills: skill, remote: true } } }));
  const card = page.results[0];
  if (card === undefined) {
    console.log(`no open gig asks for ${skill}`);
    return null;
  }
  const gig = ok(await freelancer.api.GET("/api/v1/gigs/{gig_id}", { params: { path: { gig_id: card.id } } }));
  const terms = gig.pricing === "hourly" ? `${gig.hourly_rate ?? 0}/h` : `${gig.budget_amount}`;
  console.log(`${gig.title} by ${gig.client.display_name}: ${terms} ${gig.currency}`);
  const apply = (bid: number) =>
    freelancer.api.POST("/api/v1/gigs/{gig_id}/applications", {
      params: { path: { gig_id: gig.id } },
      body: { cover_letter: "I built three of these.", bid_amount: bid },
    });
  const application = ok(await apply(55_000));
  const again = await apply(50_000);
  if (again.error !== undefined) {
    const code: ErrorCode = again.error.error.code;
    console.log(`applying twice: ${again.response.status} ${code}`); // 409 already_applied
  }
  return application;
}

/** The client reads the gig's applications, shortlists one and accepts it with two milestones:
 * the contract starts. */
async function hire(client: Session, gigId: number): Promise<number | null> {
  const page = ok(
    await client.api.GET("/api/v1/gigs/{gig_id}/applications", {
      params: { path: { gig_id: gigId }, query: { status: "submitted" } },
    }),
  );
  const chosen = page.results[0];
  if (chosen === undefined) {
    return null;
  }
  const rating = chosen.applicant.rating?.average ?? "no reviews yet";
  console.log(`${chosen.applicant.display_name} (${rating}) bids ${chosen.bid_amount}: ${chosen.actions.join(", ")}`);
  const path = { params: { path: { application_id: chosen.id } } };
  ok(await client.api.POST("/api/v1/gigs/applications/{application_id}/shortlist", path));
  const accepted = ok(
    await client.api.POST("/api/v1/gigs/applications/{application_id}/accept", {
      ...path,
      body: {
        milestones: [
          { title: "Design", amount: 25_000 },
          { title: "Build", amount: chosen.bid_amount - 25_000 },
        ],
      },
    }),
  );
  console.log(`contract ${accepted.contract_id} started; the application is ${accepted.application.status}`);
  return accepted.contract_id;
}

/** A key per money-moving action (fund, approve, release, agree to cancel), sent again with
 * every retry of that action: the server runs it once and replays its first answer. */
function actionKey(): string {
  return crypto.randomUUID();
}

/** The client funds a milestone: the provider's payment is completed on the payer's side
 * (Stripe.js with `client_secret`; in development the sandbox's `confirm_url`, which plays the
 * payer's bank), and the milestone is funded, its work active, once the provider's signed
 * confirmation reaches the webhook. Funding replaced "start". */
async function fund(client: Session, contractId: number, milestoneId: number): Promise<Milestone> {
  const path = { contract_id: contractId, milestone_id: milestoneId };
  const funding = ok(
    await client.api.POST("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/fund", {
      params: { path, header: { "Idempotency-Key": actionKey() } },
    }),
  );
  console.log(`paying ${funding.amount} ${funding.currency} (${funding.payment_reference}) via ${funding.provider}`);
  if (funding.confirm_url !== null) {
    const confirmed = await fetch(funding.confirm_url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ outcome: "succeed" }),
    });
    console.log(`the sandbox confirmed the payment: ${confirmed.status}`);
  } else if (funding.client_secret !== null) {
    console.log("a page would now confirm the PaymentIntent with Stripe.js and the client secret");
  }
  const milestone = ok(
    await client.api.GET("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}", { params: { path } }),
  );
  console.log(`${milestone.title}: ${milestone.status}, money ${milestone.money_status}`);
  return milestone;
}

/** Approving releases the escrow to the freelancer (less the platform's fee): a money-moving
 * step, with its own Idempotency-Key. */
async function approve(client: Session, contractId: number, milestoneId: number): Promise<Milestone> {
  return ok(
    await client.api.POST("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/approve", {
      params: { path: { contract_id: contractId, milestone_id: milestoneId }, header: { "Idempotency-Key": actionKey() } },
    }),
  );
}

async function submit(freelancer: Session, contractId: number, milestoneId: number, note: string): Promise<Milestone> {
  return ok(
    await freelancer.api.POST("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/submit", {
      params: { path: { contract_id: contractId, milestone_id: milestoneId } },
      body: { note },
    }),
  );
}

/** Each milestone: the client funds it, the freelancer submits, the client sends the first back
 * once, then approves (which releases the escrow). A step the status does not allow is a 409
 * `invalid_transition` whose details name the current status and the allowed actions. */
async function workThrough(client: Session, freelancer: Session, contractId: number): Promise<void> {
  const contract = ok(
    await client.api.GET("/api/v1/gigs/contracts/{contract_id}", { params: { path: { contract_id: contractId } } }),
  );
  for (const [index, milestone] of contract.milestones.entries()) {
    const params = { path: { contract_id: contractId, milestone_id: milestone.id } };
    const early = await client.api.POST("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/approve", {
      params: { ...params, header: { "Idempotency-Key": actionKey() } },
    });
    if (early.error !== undefined && early.error.error.code === "invalid_transition") {
      const details = early.error.error.details ?? {};
      console.log(`cannot approve yet: ${String(details["current_status"])}, allowed ${String(details["allowed"])}`);
    }
    await fund(client, contractId, milestone.id);
    let submitted = await submit(freelancer, contractId, milestone.id, `${milestone.title}: done`);
    console.log(`${submitted.title} submitted; approves itself at ${submitted.auto_approves_at ?? "-"}`);
    if (index === 0) {
      const sentBack = ok(
        await client.api.POST("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/request-changes", {
          params,
          body: { note: "Bigger buttons, please." },
        }),
      );
      console.log(`${sentBack.title}: ${sentBack.status} (${sentBack.changes_note})`);
      submitted = await submit(freelancer, contractId, milestone.id, "Buttons enlarged.");
    }
    const approved = await approve(client, contractId, submitted.id);
    console.log(
      `${approved.title} approved: ${approved.approved_amount ?? 0} ${contract.currency}, money ${approved.money_status}`,
    );
  }
  const history = ok(
    await freelancer.api.GET("/api/v1/gigs/contracts/{contract_id}/milestones/{milestone_id}/history", {
      params: { path: { contract_id: contractId, milestone_id: contract.milestones[0]?.id ?? 0 } },
    }),
  );
  for (const event of history.results) {
    console.log(`${event.at}: ${event.actor_role} ${event.action} ${event.from_status} -> ${event.to_status}`);
  }
}

/** Both review once the contract completed; a review stays hidden until the other arrives. */
async function reviewEachOther(client: Session, freelancer: Session, contractId: number): Promise<void> {
  const params = { path: { contract_id: contractId } };
  const done = ok(await client.api.GET("/api/v1/gigs/contracts/{contract_id}", { params }));
  console.log(`contract ${done.id} is ${done.status}; can review: ${done.can_review}`);
  ok(await client.api.POST("/api/v1/gigs/contracts/{contract_id}/reviews", { params, body: { rating: 5, text: "Fast and careful." } }));
  ok(await freelancer.api.POST("/api/v1/gigs/contracts/{contract_id}/reviews", { params, body: { rating: 4 } }));
  for (const review of ok(await freelancer.api.GET("/api/v1/gigs/contracts/{contract_id}/reviews", { params }))) {
    console.log(`${review.reviewer.display_name}: ${review.rating}/5, published ${review.published_at ?? "not yet"}`);
  }
  const page = ok(
    await client.api.GET("/api/v1/gigs/users/{user_id}/reviews", { params: { path: { user_id: done.freelancer.id } } }),
  );
  console.log(`${done.freelancer.display_name} as freelancer: ${page.ratings?.as_freelancer?.average ?? "-"}`);
}

/** Anyone but its client may report a gig once while the report is open (409
 * `already_reported`); the report's status says what operators decided. */
async function report(session: Session, gigId: number): Promise<void> {
  const { data, error } = await session.api.POST("/api/v1/gigs/{gig_id}/reports", {
    params: { path: { gig_id: gigId } },
    body: { reason: "spam", details: "The same text is posted ten times." },
  });
  if (error !== undefined) {
    console.log(`not reported: ${error.error.code}`);
    return;
  }
  const status: Schemas["ReportStatusEnum"] = data.status;
  console.log(`report ${data.id} is ${status}`);
}

/** A client and a freelancer, both signed up with verified addresses and the client and learner
 * roles, walk the marketplace from a posted gig to published reviews. */
export async function marketplace(
  baseUrl: string,
  client: { email: string; password: string },
  freelancer: { email: string; password: string },
): Promise<void> {
  const anonymous = createGigsyClient({ baseUrl });
  const cora = await logIn(anonymous, baseUrl, client.email, client.password);
  const finn = await logIn(anonymous, baseUrl, freelancer.email, freelancer.password);
  const gig = await postGig(cora, "django");
  const application = await findAndApply(finn, "django");
  if (application === null) {
    return;
  }
  const contractId = await hire(cora, gig.id);
  if (contractId === null) {
    return;
  }
  await workThrough(cora, finn, contractId);
  await reviewEachOther(cora, finn, contractId);
  const mine = ok(await cora.api.GET("/api/v1/gigs/mine"));
  for (const posted of mine.results) {
    console.log(`${posted.title}: ${posted.status}${posted.status_reason ? ` (${posted.status_reason})` : ""}`);
  }
  await report(finn, gig.id);
}

// --- the journey ---------------------------------------------------------------------------------
export async function journey(baseUrl: string, inbox?: Inbox): Promise<void> {
  const email = `ada+${Date.now()}@example.com`;
  const password = "correct horse battery staple";
  const anonymous = createGigsyClient({ baseUrl });

  await register(anonymous, email, password);
  const failure = await failedLogIn(anonymous, email);
  console.log(`a wrong password answers ${failure ?? "nothing"}`);
  let session = await logIn(anonymous, baseUrl, email, password);
  let currentPassword = password;
  await refresh(session);
  if (inbox !== undefined) {
    await verifyEmail(session, inbox, email);
    // Forgot the password: a reset ends every session, so sign in again with the new one.
    currentPassword = `${password} again`;
    await resetPassword(anonymous, inbox, email, currentPassword);
    session = await logIn(anonymous, baseUrl, email, currentPassword);
  }
  await addRoles(session);
  await endOtherSessions(session, anonymous, email, currentPassword);

  const skills = await skillsForFilter(session.api);
  const courses = await browseCatalog(session.api, skills[0]?.slug ?? "react");
  const first = courses[0];
  if (first === undefined) {
    return;
  }
  const course = await openCourse(session.api, first.slug);
  await enroll(session.api, course.slug);
  await readAndCompleteLessons(session.api, course);
  for (const quiz of course.quizzes) {
    await takeQuiz(session.api, quiz.id);
  }
  await readProgress(session.api, course.slug);

  for (const certificate of await listCertificates(session.api)) {
    await verify(baseUrl, certificate.verify_code);
  }
}
