from django.http import HttpRequest, HttpResponse


def signup(request: HttpRequest) -> HttpResponse:  # placeholder until the accounts work lands
    return HttpResponse("Sign up")
