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
  const role: Schemas["RoleEnum"] = user.role;
  console.log(`registered ${user.email} (${role}, ${user.timezone}) as user ${user.id}`);
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

// --- catalog -------------------------------------------------------------------------------------
async function browseCatalog(api: GigsyClient): Promise<Schemas["CourseListOutput"][]> {
  const level: Schemas["LevelEnum"] = "beginner";
  const courses: Schemas["CourseListOutput"][] = [];
  let page: number | null = 1;
  while (page !== null) {
    const body = ok(
      await api.GET("/api/v1/lms/courses", {
        params: { query: { skill: "react", level, q: "reac", page } },
      }),
    );
    courses.push(...body.results);
    console.log(`page ${page}: ${body.results.length} of ${body.count} courses`);
    page = body.next === null ? null : page + 1;
  }
  return courses;
}

async function openCourse(api: GigsyClient, slug: string): Promise<Schemas["CourseDetailOutput"]> {
  const course = ok(
    await api.GET("/api/v1/lms/courses/{slug}", { params: { path: { slug } } }),
  );
  const published: string = course.published_at ?? "draft";
  console.log(`${course.title} (${course.level}, ${published}): ${course.modules.length} modules`);
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
  course: Schemas["CourseDetailOutput"],
): Promise<Schemas["ProgressOutput"] | null> {
  let progress: Schemas["ProgressOutput"] | null = null;
  for (const module of course.modules) {
    for (const outline of module.lessons) {
      const lesson = ok(
        await api.GET("/api/v1/lms/lessons/{lesson_id}", { params: { path: { lesson_id: outline.id } } }),
      );
      const media: string = lesson.media_url ?? lesson.video_url;
      console.log(`lesson ${lesson.position}: ${lesson.title} [${lesson.kind}] ${media}`);
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

type LearnerQuestion = Schemas["AttemptOutput"]["questions"][number];
type SubmittedAnswers = Schemas["SubmitInputRequest"]["answers"];

/** What a learner would pick; here, the first choice, every choice, true, or a typed word. */
function answerFor(question: LearnerQuestion): SubmittedAnswers[string] {
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

async function takeQuiz(api: GigsyClient, quizId: number): Promise<Schemas["AttemptOutput"]> {
  const attempt = ok(
    await api.POST("/api/v1/lms/quizzes/{quiz_id}/attempts", { params: { path: { quiz_id: quizId } } }),
  );
  console.log(`attempt ${attempt.number}, answer by ${attempt.deadline ?? "whenever you like"}`);
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
    console.log(`${question.prompt}: ${question.points_earned ?? 0}/${question.points}`);
  }
  console.log(`score ${review.score_percent ?? "-"}%, passed: ${review.passed === true}`);
  return review;
}

async function readProgress(api: GigsyClient, slug: string): Promise<Schemas["ProgressOutput"]> {
  const progress = ok(
    await api.GET("/api/v1/lms/courses/{slug}/progress", { params: { path: { slug } } }),
  );
  const enrollments = ok(await api.GET("/api/v1/lms/enrollments", { params: { query: { page: 1 } } }));
  for (const enrollment of enrollments.results) {
    console.log(`${enrollment.course_title}: ${enrollment.status} since ${enrollment.enrolled_at}`);
  }
  console.log(`complete: ${progress.complete}, passed quizzes: ${progress.passed_quiz_ids.join(", ")}`);
  return progress;
}

// --- certificates --------------------------------------------------------------------------------
async function listCertificates(api: GigsyClient): Promise<Schemas["CertificateOutput"][]> {
  const certificates = ok(await api.GET("/api/v1/certificates"));
  for (const certificate of certificates) {
    const pdf: string = certificate.pdf_url ?? "(PDF not ready yet)";
    console.log(`${certificate.course_title}, issued ${certificate.issued_at}: ${pdf}`);
  }
  return certificates;
}

/** Anyone, signed in or not, can check a certificate's code. */
async function verify(baseUrl: string, code: string): Promise<Schemas["StatusEnum"]> {
  const anonymous = createGigsyClient({ baseUrl });
  const { data, error } = await anonymous.GET("/api/v1/certificates/verify/{code}", {
    params: { path: { code } },
  });
  if (error !== undefined) {
    const notFound: boolean = error.error.code === "not_found";
    console.log(notFound ? "no such certificate" : error.error.message);
    return "revoked";
  }
  console.log(`${data.learner_name} completed ${data.course_title} on ${data.issued_at}: ${data.status}`);
  return data.status;
}

// --- the journey ---------------------------------------------------------------------------------
export async function journey(baseUrl: string): Promise<void> {
  const email = `ada+${Date.now()}@example.com`;
  const password = "correct horse battery staple";
  const anonymous = createGigsyClient({ baseUrl });

  await register(anonymous, email, password);
  const failure = await failedLogIn(anonymous, email);
  console.log(`a wrong password answers ${failure ?? "nothing"}`);
  const session = await logIn(anonymous, baseUrl, email, password);
  await refresh(session);

  const courses = await browseCatalog(session.api);
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
